package fingerprint

import (
	"context"
	"errors"
	"image"
	"reflect"
	"testing"

	"github.com/provcheck/provcheck/internal/picture"
	"github.com/provcheck/provcheck/internal/signal/orb"
	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/internal/views"
)

// TestEndedContext: every stage of fingerprinting a picture gives up with
// the context's error when the context has ended, and does the same work
// as its plain form when it has not.
func TestEndedContext(t *testing.T) {
	img := image.Image(testmedia.Picture(21, 640, 400))
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	live := context.Background()
	l := picture.DetectLayout([]image.Image{img})
	h := GetFrameHasher()
	defer PutFrameHasher(h)
	tests := []struct {
		name string
		run  func(ctx context.Context) (any, error)
		want any // the plain form's result
	}{
		{"layout", func(ctx context.Context) (any, error) { return picture.DetectLayoutContext(ctx, []image.Image{img}) }, l},
		{"proposals", func(ctx context.Context) (any, error) {
			return picture.ProposeRectsContext(ctx, []image.Image{img}, picture.MaxProposals)
		}, picture.ProposeRects([]image.Image{img}, picture.MaxProposals)},
		{"grey", func(ctx context.Context) (any, error) { return orb.GrayFromContext(ctx, img, 320) }, orb.GrayFrom(img, 320)},
		{"local", func(ctx context.Context) (any, error) {
			return LocalFeaturesContext(ctx, img, LocalStillSide, LocalStillFeatures)
		},
			LocalFeatures(img, LocalStillSide, LocalStillFeatures)},
	}
	for _, set := range []views.Set{views.NoViews, views.QueryViews, views.RegisterViews, views.FastQueryViews} {
		tests = append(tests, struct {
			name string
			run  func(ctx context.Context) (any, error)
			want any
		}{"views", func(ctx context.Context) (any, error) { return h.HashViewsContext(ctx, img, 0, set, l) }, h.HashViews(img, 0, set, l)},
			struct {
				name string
				run  func(ctx context.Context) (any, error)
				want any
			}{"image", func(ctx context.Context) (any, error) {
				fp, err := FingerprintImageContext(ctx, img, "png", set)
				if fp != nil {
					return fp.Frames, err
				}
				return nil, err
			}, FingerprintImage(img, "png", set).Frames})
	}
	for _, tt := range tests {
		if _, err := tt.run(ended); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: %v with an ended context, want context.Canceled", tt.name, err)
		}
		got, err := tt.run(live)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: the context form differs from the plain one", tt.name)
		}
	}
}
