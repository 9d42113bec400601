package server

import (
	"testing"
	"time"

	"github.com/provcheck/provcheck/registry"
)

func TestCaseMatches(t *testing.T) {
	c := &registry.Case{ID: "nypd-ice", Title: "AI video of NYPD officers", Claim: "Shows an arrest", Tags: []string{"Sora", "ai-generated"},
		FirstSeen: "2025-12", FactChecks: []registry.FactCheck{{Publisher: "Lead Stories", Title: "Not real"}}}
	undated := &registry.Case{ID: "old", Title: "Old photo", CreatedAt: time.Date(2024, 3, 9, 10, 0, 0, 0, time.UTC)}
	for _, tc := range []struct {
		c                   *registry.Case
		text, tag, from, to string
		want                bool
	}{
		{c, "", "", "", "", true},
		{c, "nypd", "", "", "", true},
		{c, "lead stories", "", "", "", true}, // a publisher
		{c, "ARREST", "", "", "", true},       // the claim, any case
		{c, "flood", "", "", "", false},
		{c, "", "sora", "", "", true},
		{c, "", "sor", "", "", false},        // tags match whole
		{c, "", "", "2025-12-10", "", true},  // within December 2025
		{c, "", "", "2026-01-01", "", false}, // after it
		{c, "", "", "", "2025-11-30", false}, // before it
		{c, "", "", "2025-01-01", "2025-12-01", true},
		{undated, "", "", "2024-03-01", "2024-03-31", true}, // registration date without a first-seen date
		{undated, "", "", "2024-04-01", "", false},
	} {
		if got := caseMatches(tc.c, tc.text, tc.tag, tc.from, tc.to); got != tc.want {
			t.Errorf("%s q=%q tag=%q from=%q to=%q: %v", tc.c.ID, tc.text, tc.tag, tc.from, tc.to, got)
		}
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/cases?x=1": "/cases?x=1", "": "", "//evil.example/": "", "https://evil.example/": "", "/\\evil": "", "cases": "",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}
