package fingerprint

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/views"
)

// TestTimeoutHoldsDuringStillDecode: a still that takes long to decode
// and fingerprint is abandoned when the time limit passes (it once
// returned after 2.1 s with --timeout 1s), and its memory stays counted
// in the budget until the abandoned decode has ended.
func TestTimeoutHoldsDuringStillDecode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.jpg")
	img := image.NewGray(image.Rect(0, 0, 6000, 6000))
	for y := 0; y < 6000; y++ {
		for x := 0; x < 6000; x++ {
			img.Pix[y*6000+x] = uint8((x ^ y) >> 3)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	img = nil
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	budget := media.NewBudget(1 << 30)
	lim := media.DefaultLimits()
	lim.Budget = budget
	fp := NewFingerprinter(nil, nil, lim)
	// The limit is an eighth of what the whole fingerprint takes on this
	// machine, so the decode is always cut short, however fast it is.
	start := time.Now()
	if _, err := fp.File(context.Background(), path, Sampling{Views: views.QueryViews}); err != nil {
		t.Fatal(err)
	}
	limit := max(time.Millisecond, time.Since(start)/8)
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	start = time.Now()
	_, err := fp.File(ctx, path, Sampling{Views: views.QueryViews})
	took := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want the deadline, got %v after %s (limit %s)", err, took, limit)
	}
	if took > limit+500*time.Millisecond {
		t.Errorf("returned %s after a %s limit", took, limit)
	}
	if budget.Used() == 0 {
		t.Log("the abandoned decode had already ended")
	}
	deadline := time.Now().Add(60 * time.Second)
	for budget.Used() != 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if budget.Used() != 0 {
		t.Errorf("the budget still holds %d bytes after the abandoned decode", budget.Used())
	}
}
