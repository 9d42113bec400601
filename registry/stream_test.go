package registry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

// wholeExport is the bundle as the export wrote it before it was
// streamed: every case read into memory, with its thumbnails and the stop
// frames, written at once.
func wholeExport(t *testing.T, s Store, now time.Time) []byte {
	t.Helper()
	ctx := context.Background()
	cases, err := s.All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.(Thumbnails).FillThumbnails(ctx, cases); err != nil {
		t.Fatal(err)
	}
	b := NewBundle(cases, now)
	if b.StopFrames, err = s.StopFrames(ctx); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := b.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestStreamedExportIsTheWholeExport(t *testing.T) {
	forEachStore(t, testStreamedExportIsTheWholeExport)
}

func testStreamedExportIsTheWholeExport(t *testing.T, open func(*testing.T) Store) {
	ctx := context.Background()
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	s := open(t)
	r := rand.New(rand.NewPCG(16, 16))
	check := func(what string) {
		t.Helper()
		var got bytes.Buffer
		if err := WriteBundle(ctx, &got, s, now); err != nil {
			t.Fatal(err)
		}
		want := wholeExport(t, s, now)
		if !bytes.Equal(got.Bytes(), want) {
			i := 0
			for i < min(got.Len(), len(want)) && got.Bytes()[i] == want[i] {
				i++
			}
			t.Fatalf("%s: the streamed export differs from the whole one at byte %d of %d (%d written):\n%q\nwant\n%q",
				what, i, len(want), got.Len(), got.Bytes()[max(0, i-80):min(got.Len(), i+80)], want[max(0, i-80):min(len(want), i+80)])
		}
		if _, err := ReadBundle(bytes.NewReader(got.Bytes())); err != nil {
			t.Fatalf("%s: the streamed export does not read back: %v", what, err)
		}
	}
	check("empty registry")
	// More cases than a page, in an order that is not the id order, with
	// a still, thumbnails, unicode and HTML-like text, and stop frames.
	n := 2*eachPage + 7
	batch := make([]Case, 0, n)
	for i := range n {
		c := testCase(r, fmt.Sprintf("case-%03d", (i*37)%n))
		if i%5 == 0 {
			c.Media = append(c.Media, testMedia(r, c.ID+"-still.jpg", 1))
		}
		if i%9 == 0 {
			c.Media[0].Thumbnails = []Thumbnail{{Frame: 1, JPEG: testThumb(t, 160, 90)}}
		}
		if i == 3 {
			c.Claim = "<b>“Quoted” & é</b>\u2028"
		}
		batch = append(batch, c)
	}
	if err := s.Import(ctx, batch); err != nil {
		t.Fatal(err)
	}
	check("registry without stop frames")
	if _, err := s.AddStopFrames(ctx, []StopFrame{{Source: "intro.mp4", PDQ: randHash(r)}, {Source: "card", PDQ: randHash(r)}}); err != nil {
		t.Fatal(err)
	}
	check("registry")
}

// genBundle writes a bundle of n cases whose case bad (if ≥ 0) has a frame
// time out of range, or, with syntax, is cut short with a syntax error.
func genBundle(t *testing.T, n, bad int, syntax bool) []byte {
	t.Helper()
	r := rand.New(rand.NewPCG(uint64(n), uint64(bad+1)))
	cases := make([]Case, n)
	for i := range cases {
		cases[i] = testCase(r, fmt.Sprintf("big-%04d", i))
	}
	if bad >= 0 && !syntax {
		cases[bad].Media[0].Fingerprint.Frames[4].T = -1
	}
	var buf bytes.Buffer
	b := NewBundle(cases, time.Now())
	b.StopFrames = []StopFrame{{Source: "intro", PDQ: randHash(r)}}
	if err := b.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.Bytes()
	if syntax {
		at := bytes.Index(out, []byte(fmt.Sprintf(`"id": "big-%04d"`, bad)))
		out = append(append(out[:at:at], `"id": "big-x" "title": 1`...), out[at:]...)
	}
	return out
}

func TestStreamedImportIsAtomic(t *testing.T) { forEachStore(t, testStreamedImportIsAtomic) }

func testStreamedImportIsAtomic(t *testing.T, open func(*testing.T) Store) {
	ctx := context.Background()
	const n = 300
	tests := []struct {
		name   string
		data   []byte
		want   string // in the error
		merged bool   // the error is the merge's, not the bundle's
	}{
		{"a bad value in the last case", genBundle(t, n, n-1, false), fmt.Sprintf("cases[%d].media[0].fingerprint.frames[4].t", n-1), false},
		{"a bad value in the first case", genBundle(t, n, 0, false), "cases[0].media[0].fingerprint.frames[4].t", false},
		{"a syntax error near the end", genBundle(t, n, n-2, true), "invalid character", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			r := rand.New(rand.NewPCG(3, 4))
			if _, err := s.Upsert(ctx, testCase(r, "keep")); err != nil {
				t.Fatal(err)
			}
			gen0, _ := s.Generation(ctx)
			frames0 := countRows(t, s, "frames")
			written := 0
			err := s.ImportStream(ctx, func(put func(Case) error) ([]StopFrame, error) {
				b, err := ReadBundleStream(bytes.NewReader(tt.data), 0, func(c Case) error {
					written++
					return put(c)
				})
				return b.StopFrames, err
			})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("import: %v, want an error naming %q", err, tt.want)
			}
			// The same error as reading the bundle whole before any write.
			if _, whole := ReadBundle(bytes.NewReader(tt.data)); whole == nil || whole.Error() != err.Error() {
				t.Errorf("streamed import: %v\nwhole bundle:    %v", err, whole)
			}
			if strings.Contains(tt.name, "last") && written != n-1 {
				t.Errorf("%d cases were written before the bad one, want %d", written, n-1)
			}
			list, _ := s.List(ctx)
			if len(list) != 1 || list[0].ID != "keep" || countRows(t, s, "frames") != frames0 || countRows(t, s, "stop_frames") != 0 {
				t.Errorf("registry changed: %d cases, %d frames (was %d)", len(list), countRows(t, s, "frames"), frames0)
			}
			if gen, _ := s.Generation(ctx); gen != gen0 {
				t.Errorf("generation %d after a failed import, was %d", gen, gen0)
			}
		})
	}
	t.Run("valid", func(t *testing.T) {
		s := open(t)
		data := genBundle(t, n, -1, false)
		err := s.ImportStream(ctx, func(put func(Case) error) ([]StopFrame, error) {
			b, err := ReadBundleStream(bytes.NewReader(data), 0, put)
			return b.StopFrames, err
		})
		if err != nil {
			t.Fatal(err)
		}
		whole, _ := ReadBundle(bytes.NewReader(data))
		got, _ := s.All(ctx)
		if len(got) != n || countRows(t, s, "stop_frames") != 1 {
			t.Fatalf("%d cases, %d stop frames imported", len(got), countRows(t, s, "stop_frames"))
		}
		for i := range got {
			if got[i].Title != whole.Cases[i].Title || len(got[i].Media[0].Fingerprint.Frames) != len(whole.Cases[i].Media[0].Fingerprint.Frames) ||
				!reflect.DeepEqual(got[i].Media[0].Fingerprint.Frames[7], whole.Cases[i].Media[0].Fingerprint.Frames[7]) {
				t.Fatalf("case %d differs after the streamed import", i)
			}
		}
	})
	t.Run("an invalid merge", func(t *testing.T) {
		// A case valid alone that would be invalid once merged into the
		// registered one: refused as when the bundle was imported whole.
		s := open(t)
		r := rand.New(rand.NewPCG(5, 6))
		full := testCase(r, "full")
		for i := 1; len(full.FactChecks) < MaxFactChecks; i++ {
			full.FactChecks = append(full.FactChecks, FactCheck{Publisher: "P", URL: fmt.Sprintf("https://example.org/%d", i), Title: "T", Rating: "False"})
		}
		if _, err := s.Upsert(ctx, full); err != nil {
			t.Fatal(err)
		}
		more := testCase(r, "full")
		more.FactChecks[0].URL = "https://example.org/another"
		b := NewBundle([]Case{testCase(r, "new"), more}, time.Now())
		var buf bytes.Buffer
		b.WriteJSON(&buf)
		err := s.ImportStream(ctx, func(put func(Case) error) ([]StopFrame, error) {
			b, err := ReadBundleStream(&buf, 0, put)
			return b.StopFrames, err
		})
		if err == nil || !IsValidation(err) || !strings.Contains(err.Error(), "case full:") {
			t.Fatalf("merge past the limit: %v", err)
		}
		if _, err := s.Get(ctx, "new"); !errors.Is(err, ErrNotFound) {
			t.Errorf("the case before the bad merge was kept: %v", err)
		}
	})
}

// TestReadBundleStreamLimit: the whole-bundle limit applies only when one
// is given.
func TestReadBundleStreamLimit(t *testing.T) {
	data := genBundle(t, 3, -1, false)
	discard := func(Case) error { return nil }
	if _, err := ReadBundleStream(bytes.NewReader(data), int64(len(data))-1, discard); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("over the limit: %v", err)
	}
	if _, err := ReadBundleStream(bytes.NewReader(data), 0, discard); err != nil {
		t.Errorf("no limit: %v", err)
	}
	if !IsBundle(bytes.NewReader(data)) || IsBundle(strings.NewReader(`[{"@type": "ClaimReview"}]`)) ||
		IsBundle(strings.NewReader(`{"@context": "https://schema.org", "format": "other"}`)) || IsBundle(io.LimitReader(bytes.NewReader(data), 5)) {
		t.Error("IsBundle is wrong")
	}
	// The format after the cases is still found.
	late := []byte(`{"cases": [{"id": "x", "title": "` + strings.Repeat("long ", 1000) + `"}], "format": "provcheck-registry", "version": 1}`)
	if !IsBundle(bytes.NewReader(late)) {
		t.Error("a bundle whose format comes last is not recognised")
	}
}
