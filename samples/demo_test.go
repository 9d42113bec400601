package samples

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/provcheck/provcheck/engine"
	"github.com/provcheck/provcheck/registry"
	"github.com/provcheck/provcheck/rules"
)

// TestDemo checks what `make demo` shows: the bundled repost matches the
// case with its fact-check link and the segment it came from, the
// screenshot is at least a possible match, the unrelated clip does not
// match.
func TestDemo(t *testing.T) {
	ctx := context.Background()
	cfg, err := rules.Defaults().Translate()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Registry = filepath.Join(t.TempDir(), "demo.db")
	e, err := engine.New(ctx, cfg, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	cases, err := Cases()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Store().ImportBundle(ctx, registry.Bundle{Cases: cases}); err != nil {
		t.Fatal(err)
	}
	check := func(name string) engine.Report {
		t.Helper()
		rep, err := e.Check(ctx, filepath.Join("media", name))
		if err != nil || rep.Failed() {
			t.Fatalf("%s: %v %s", name, err, rep.Error)
		}
		return rep
	}
	rep := check("nypd-ice-repost.mp4")
	if rep.Verdict != rules.Match || rep.Matches[0].EntryID != "nypd-arrests-ice-sora" {
		t.Fatalf("repost: %+v", rep)
	}
	m := rep.Matches[0]
	if m.FactChecks[0].URL != "https://leadstories.com/hoax-alert/2025/12/fact-check-videos-of-nypd-arresting-ice-are-not-reak.html" {
		t.Errorf("fact-check link %q", m.FactChecks[0].URL)
	}
	// The repost starts 2.5 s into the stand-in.
	if s := m.Segments[0]; s.EntryStart-s.QueryStart < 2 || s.EntryStart-s.QueryStart > 3 {
		t.Errorf("segment %+v: offset should be about 2.5 s", s)
	}
	if shot := check("screenshot.jpg"); shot.Verdict == rules.NoMatch {
		t.Errorf("screenshot: no match")
	}
	if un := check("unrelated.mp4"); un.Verdict != rules.NoMatch {
		t.Errorf("unrelated clip: %s", un.Verdict)
	}
}
