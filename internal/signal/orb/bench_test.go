package orb

import (
	"fmt"
	"syscall"
	"testing"
)

// cpuTime is the process's CPU time (ns): on a shared machine it measures
// the work done, where wall time measures the neighbours too.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func cpuPerOp(b *testing.B, c0 int64) {
	b.ReportMetric(float64(cpuTime()-c0)/1e6/float64(b.N), "cpu-ms/op")
}

// BenchmarkDetect: features of a detailed picture the size of a checked
// still (640 px long side) and of a video frame (320 px); and verifying a
// corner crop against the full picture.
func BenchmarkDetect(b *testing.B) {
	for _, sz := range [][2]int{{640, 360}, {320, 180}} {
		g := scene(7, sz[0], sz[1])
		b.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(b *testing.B) {
			c0 := cpuTime()
			for b.Loop() {
				Detect(g, DefaultOptions())
			}
			cpuPerOp(b, c0)
		})
	}
	g := scene(7, 640, 360)
	reg := Detect(g, DefaultOptions())
	q := Detect(crop(g, 0, 0, 454, 256), DefaultOptions())
	b.Run("verify", func(b *testing.B) {
		c0 := cpuTime()
		for b.Loop() {
			if _, ok := Verify(reg, q, DefaultVerifyOptions()); !ok {
				b.Fatal("not verified")
			}
		}
		cpuPerOp(b, c0)
	})
}
