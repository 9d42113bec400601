package registry

import (
	"bytes"
	"context"
	"errors"
	"image"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/provcheck/provcheck/internal/thumb"
)

func testThumb(t *testing.T, w, h int) []byte {
	t.Helper()
	b, err := thumb.JPEG(image.NewRGBA(image.Rect(0, 0, w, h)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestThumbnails(t *testing.T) { forEachStore(t, testThumbnails) }

func testThumbnails(t *testing.T, open func(*testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	ts, ok := s.(Thumbnails)
	if !ok {
		t.Fatalf("%T keeps no thumbnails", s)
	}
	r := rand.New(rand.NewPCG(7, 7))
	c := testCase(r, "with-thumbs")
	m := &c.Media[0]
	m.Thumbnails = []Thumbnail{{Frame: 0, JPEG: testThumb(t, 160, 90)}, {Frame: 3, JPEG: testThumb(t, 160, 90)}}
	if _, err := s.Upsert(ctx, c); err != nil {
		t.Fatal(err)
	}
	frames, err := ts.ThumbnailFrames(ctx, c.ID, m.SHA256)
	if err != nil || len(frames) != 2 || frames[0] != 0 || frames[1] != 3 {
		t.Errorf("frames with thumbnails %v (%v)", frames, err)
	}
	b, err := ts.Thumbnail(ctx, c.ID, m.SHA256, 3)
	if err != nil || !bytes.Equal(b, m.Thumbnails[1].JPEG) {
		t.Errorf("thumbnail of frame 3: %d bytes, %v", len(b), err)
	}
	if _, err := ts.Thumbnail(ctx, c.ID, m.SHA256, 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("frame without a thumbnail: %v", err)
	}
	if _, err := ts.Thumbnail(ctx, "other-case", m.SHA256, 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("another case's medium: %v", err)
	}
	// Export carries them; a fresh store importing the bundle serves them.
	all, err := s.All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all[0].Media[0].Thumbnails) != 0 {
		t.Error("All loads thumbnails (snapshots would hold them all)")
	}
	if err := ts.FillThumbnails(ctx, all); err != nil || len(all[0].Media[0].Thumbnails) != 2 {
		t.Fatalf("FillThumbnails: %v, %d", err, len(all[0].Media[0].Thumbnails))
	}
	var buf bytes.Buffer
	if err := NewBundle(all, time.Now()).WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	bundle, err := ReadBundle(&buf)
	if err != nil {
		t.Fatal(err)
	}
	s2 := open(t)
	if err := s2.ImportBundle(ctx, bundle); err != nil {
		t.Fatal(err)
	}
	if b, err := s2.(Thumbnails).Thumbnail(ctx, c.ID, m.SHA256, 0); err != nil || !bytes.Equal(b, m.Thumbnails[0].JPEG) {
		t.Errorf("imported thumbnail: %d bytes, %v", len(b), err)
	}
	// Removing the case removes them.
	if err := s.Remove(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, s, "thumbnails"); n != 0 {
		t.Errorf("%d thumbnails left after removing the case", n)
	}
}

// Thumbnails from a bundle made by others are checked: frames that exist,
// small JPEGs.
func TestBadThumbnails(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	big, err := thumb.Encode(image.NewRGBA(image.Rect(0, 0, 640, 360)))
	if err != nil {
		t.Fatal(err)
	}
	for name, th := range map[string]Thumbnail{
		"no such frame": {Frame: 10, JPEG: testThumb(t, 16, 16)},
		"not a JPEG":    {Frame: 0, JPEG: []byte("<svg onload=alert(1)>")},
		"too large":     {Frame: 0, JPEG: big},
	} {
		c := testCase(r, "bad-thumbs")
		c.Media[0].Thumbnails = []Thumbnail{th}
		if err := c.Validate("", true); err == nil || !IsValidation(err) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
