package orb

import (
	"fmt"
	"testing"
)

// BenchmarkDetect: features of a detailed picture the size of a checked
// still (640 px long side) and of a video frame (320 px); and verifying a
// corner crop against the full picture.
func BenchmarkDetect(b *testing.B) {
	for _, sz := range [][2]int{{640, 360}, {320, 180}} {
		g := scene(7, sz[0], sz[1])
		b.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(b *testing.B) {
			for b.Loop() {
				Detect(g, DefaultOptions())
			}
		})
	}
	g := scene(7, 640, 360)
	reg := Detect(g, DefaultOptions())
	q := Detect(crop(g, 0, 0, 454, 256), DefaultOptions())
	b.Run("verify", func(b *testing.B) {
		for b.Loop() {
			if _, ok := Verify(reg, q, DefaultVerifyOptions()); !ok {
				b.Fatal("not verified")
			}
		}
	})
}
