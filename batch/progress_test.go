package batch

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/provcheck/provcheck/engine"
	"github.com/provcheck/provcheck/rules"
)

func TestProgressLine(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, time.Now())
	for _, r := range []engine.Report{
		{Verdict: rules.Match}, {Verdict: rules.NoMatch}, {Verdict: rules.NoMatch},
		{Verdict: rules.PossibleMatch}, {Error: "empty file"},
	} {
		p.add(&r)
	}
	if got, want := p.line(10*time.Second), "5 files | 1 match | 1 possible | 1 errors | 0.5/s"; got != want {
		t.Errorf("line %q, want %q", got, want)
	}
	p.total.Store(20)
	if got, want := p.line(10*time.Second), "5/20 files (25%) | 1 match | 1 possible | 1 errors | 0.5/s | 30s left"; got != want {
		t.Errorf("line %q, want %q", got, want)
	}

	// Redrawing a shorter line blanks the rest of the longer one; the last
	// draw leaves an empty line with the cursor at its start. No escape
	// sequences, so NO_COLOR and dumb terminals see the same.
	p.draw("0123456789")
	p.draw("abc")
	p.draw("")
	if got, want := buf.String(), "\r0123456789\rabc       \r   \r"; got != want {
		t.Errorf("drawn %q, want %q", got, want)
	}
	p.draw(strings.Repeat("x", 200))
	if n := len(buf.String()[strings.LastIndexByte(buf.String(), '\r')+1:]); n != progressWidth {
		t.Errorf("a long line is drawn %d wide", n)
	}
}
