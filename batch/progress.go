package batch

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/provcheck/provcheck/engine"
	"github.com/provcheck/provcheck/rules"
)

// progress redraws one line on a terminal: files done (of how many, once
// a counting walk has finished), matches, errors and throughput. It is
// plain text, so it is the same with NO_COLOR.
type progress struct {
	w     io.Writer
	begin time.Time

	done, matches, possible, errors atomic.Int64
	total                           atomic.Int64 // -1 while unknown

	stopCh chan struct{}
	wg     sync.WaitGroup
	last   int // length of the line on screen
}

const progressWidth = 79

func newProgress(w io.Writer, begin time.Time) *progress {
	p := &progress{w: w, begin: begin, stopCh: make(chan struct{})}
	p.total.Store(-1)
	return p
}

func (p *progress) add(r *engine.Report) {
	p.done.Add(1)
	switch {
	case r.Failed():
		p.errors.Add(1)
	case r.Verdict == rules.Match:
		p.matches.Add(1)
	case r.Verdict == rules.PossibleMatch:
		p.possible.Add(1)
	}
}

// count walks the paths a second time, without reading any file, to learn
// how many files the scan will check.
func (p *progress) count(ctx context.Context, opt Options, f filter, prev map[pathKey]struct{}) {
	w := newWalker(opt.FollowSymlinks, f, prev, &walkStats{})
	n := int64(0)
	for range w.targets(opt.Paths) {
		n++
		select {
		case <-ctx.Done():
			return
		case <-p.stopCh:
			return
		default:
		}
	}
	p.total.Store(n)
}

func (p *progress) start() {
	p.wg.Go(func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.stopCh:
				p.draw("")
				return
			case <-t.C:
				p.draw(p.line(time.Since(p.begin)))
			}
		}
	})
}

// stop clears the line.
func (p *progress) stop() {
	close(p.stopCh)
	p.wg.Wait()
}

func (p *progress) line(elapsed time.Duration) string {
	done := p.done.Load()
	var b strings.Builder
	if total := p.total.Load(); total >= 0 {
		pct := 100.0
		if total > 0 {
			pct = 100 * float64(done) / float64(total)
		}
		fmt.Fprintf(&b, "%d/%d files (%.0f%%)", done, total, pct)
	} else {
		fmt.Fprintf(&b, "%d files", done)
	}
	fmt.Fprintf(&b, " | %d match | %d possible | %d errors", p.matches.Load(), p.possible.Load(), p.errors.Load())
	if s := elapsed.Seconds(); s > 0 {
		rate := float64(done) / s
		fmt.Fprintf(&b, " | %.1f/s", rate)
		if total := p.total.Load(); total > done && rate > 0 {
			eta := time.Duration(float64(total-done) / rate * float64(time.Second))
			fmt.Fprintf(&b, " | %s left", eta.Round(time.Second))
		}
	}
	return b.String()
}

// draw replaces the line on screen with s (blanking what is left of a
// longer one), without escape sequences.
func (p *progress) draw(s string) {
	if s == "" && p.last == 0 {
		return
	}
	r := []rune(s)
	if len(r) > progressWidth {
		r = r[:progressWidth]
	}
	pad := max(p.last-len(r), 0)
	fmt.Fprintf(p.w, "\r%s%s", string(r), strings.Repeat(" ", pad))
	if s == "" {
		io.WriteString(p.w, "\r")
	}
	p.last = len(r)
}
