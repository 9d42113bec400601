package hashlist

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/registry"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func open(t *testing.T, name string) *os.File {
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestReadTECSV(t *testing.T) {
	l, err := ReadTECSV(open(t, "signals.csv"), "signals.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Media) != 2 || l.Skipped["video_md5"] != 1 {
		t.Fatalf("%d media, skipped %v", len(l.Media), l.Skipped)
	}
	img, vid := l.Media[0], l.Media[1]
	if img.Fingerprint.Kind != media.KindImage || img.Fingerprint.Frames[0].PDQ.String() != "e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c" ||
		img.Fingerprint.Frames[0].Quality != DefaultPDQQuality || img.Name != "Sample Data" || !strings.Contains(img.Note, "tags: media_priority_s1 debunked") {
		t.Errorf("pdq medium %+v", img)
	}
	if vid.Fingerprint.Kind != media.KindVideo || len(vid.Fingerprint.Frames) != 2 || vid.Fingerprint.Frames[1].T != 0.5 {
		t.Errorf("vpdq medium %+v", vid)
	}
	// PDQ text lines: hash,quality,name.
	l, err = ReadTECSV(open(t, "pdq.txt"), "pdq.txt")
	if err != nil || len(l.Media) != 2 || l.Media[0].Fingerprint.Frames[0].Quality != 97 || l.Media[1].Name != "photo-2.jpg" {
		t.Errorf("pdq text: %v %+v", err, l.Media)
	}
	for _, c := range registryCases(l.Media) {
		if err := c.Validate("", true); err != nil {
			t.Errorf("media do not validate: %v", err)
		}
	}
	for in, want := range map[string]string{
		"pdq,zz\n":                    "line 1: pdq signal",
		"signal_type,collab\npdq,x\n": "no signal_str column",
		"c0f1\n":                      "want signal_type,signal_str",
		"\n":                          "no signals",
		"pdq,\"unterminated\n":        "line 1",
		"f8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22,300\n": "quality",
	} {
		if _, err := ReadTECSV(strings.NewReader(in), "x"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", in, err, want)
		}
	}
}

func registryCases(media []registry.Media) []registry.Case {
	return []registry.Case{{ID: "x", Title: "x", Media: media}}
}

func TestReadHMAJSON(t *testing.T) {
	l, err := ReadHMAJSON(open(t, "bank.json"), "bank.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Media) != 3 || l.Skipped["url"] != 1 || l.Media[0].Name != "flood-photo" || !strings.Contains(l.Media[0].Note, "from a tip") ||
		l.Media[2].Fingerprint.Kind != media.KindVideo {
		t.Errorf("%+v skipped %v", l.Media, l.Skipped)
	}
	if _, err := ReadHMAJSON(strings.NewReader(`[{"signals": {"pdq": "nothex"}}]`), "x"); err == nil || !strings.Contains(err.Error(), "[0].signals.pdq") {
		t.Errorf("bad pdq: %v", err)
	}
}

// TestHMAExportGolden: stills as pdq, videos as vpdq signal strings, the
// case in metadata; the export reads back as the same media.
func TestHMAExportGolden(t *testing.T) {
	l, err := ReadTECSV(open(t, "signals.csv"), "signals.csv")
	if err != nil {
		t.Fatal(err)
	}
	cases := []registry.Case{{ID: "flood", Title: "Old flood photo", Rating: "False", Media: l.Media,
		FactChecks: []registry.FactCheck{{Publisher: "Checkers", URL: "https://checkers.example.com/flood-photo"}}}}
	var b bytes.Buffer
	if err := WriteHMAJSON(&b, cases); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "export.hma.json")
	if *update {
		os.WriteFile(golden, b.Bytes(), 0o644)
	}
	want, _ := os.ReadFile(golden)
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("HMA export differs from %s:\n%s", golden, b.String())
	}
	back, err := ReadHMAJSON(&b, "export")
	if err != nil {
		t.Fatal(err)
	}
	for i := range back.Media {
		if back.Media[i].SHA256 != l.Media[i].SHA256 {
			t.Errorf("medium %d: digest %s, want %s (the same hashes)", i, back.Media[i].SHA256, l.Media[i].SHA256)
		}
	}
}

// TestWriteHMAJSONIsTheWholeList: WriteHMAJSON, which writes a case at a
// time, writes the bytes of HMAExport indented at once, as it did before
// it was streamed — cases without media among them.
func TestWriteHMAJSONIsTheWholeList(t *testing.T) {
	l, err := ReadTECSV(open(t, "signals.csv"), "signals.csv")
	if err != nil {
		t.Fatal(err)
	}
	withMedia := registry.Case{ID: "flood", Title: "“Flood” <b>&amp;</b> 日本 \u2028", Rating: "False <i>", Media: l.Media,
		FactChecks: []registry.FactCheck{{Publisher: "A & B", URL: "https://checkers.example.com/?a=1&b=<2>"}}}
	bare := registry.Case{ID: "bare", Title: "No media"}
	one := registry.Case{ID: "one", Title: "One still", Media: l.Media[:1]}
	for _, tt := range []struct {
		name  string
		cases []registry.Case
	}{
		{"no cases", nil},
		{"a case without media", []registry.Case{bare}},
		{"one entry", []registry.Case{bare, one, bare}},
		{"several", []registry.Case{bare, withMedia, one, bare, withMedia}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got, want bytes.Buffer
			if err := WriteHMAJSON(&got, tt.cases); err != nil {
				t.Fatal(err)
			}
			enc := json.NewEncoder(&want)
			enc.SetIndent("", "  ")
			if err := enc.Encode(HMAExport(tt.cases)); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("written\n%s\nwant\n%s", got.Bytes(), want.Bytes())
			}
		})
	}
}
