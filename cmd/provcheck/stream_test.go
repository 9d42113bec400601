package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// bundleOf is a bundle of cases c0…c(n-1) (ids prefixed by prefix); bad ≥ 0
// gives that case a category that does not exist.
func bundleOf(prefix string, n, bad int) string {
	var cases []string
	for i := range n {
		cat := ""
		if i == bad {
			cat = `, "category": "nonsense"`
		}
		cases = append(cases, fmt.Sprintf(`{"id": "%s%d", "title": "Case %d"%s}`, prefix, i, i, cat))
	}
	return `{"format": "provcheck-registry", "version": 1, "cases": [` + strings.Join(cases, ", ") + `]}`
}

// TestImportStreamsBundles: bundle files are written as they are read, in
// one transaction: a bad case at the end of a file, or in a later file,
// leaves the registry as it was and names the field.
func TestImportStreamsBundles(t *testing.T) {
	dir := isolate(t)
	reg := filepath.Join(dir, "reg.db")
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	first := write("first.json", bundleOf("a", 2, -1))
	if code, out, stderr := cli(t, nil, "--registry", reg, "--create", "registry", "import", first); code != 0 || !strings.Contains(out, "imported 2 case(s) and 0 stop frame(s)") {
		t.Fatalf("import: %d %q %q", code, out, stderr)
	}
	list := func() string {
		t.Helper()
		_, out, _ := cli(t, nil, "--registry", reg, "registry", "list")
		return out
	}
	before := list()
	good := write("good.json", bundleOf("g", 50, -1))
	badLast := write("bad-last.json", bundleOf("b", 50, 49))
	for _, args := range [][]string{{badLast}, {good, badLast}, {"--format", "bundle", badLast}} {
		code, _, stderr := cli(t, nil, append([]string{"--registry", reg, "registry", "import"}, args...)...)
		if code != exitInputFailed || !strings.Contains(stderr, "bad-last.json: nothing imported") || !strings.Contains(stderr, "cases[49].category") {
			t.Errorf("import %v: exit %d, %q", args, code, stderr)
		}
		if after := list(); after != before {
			t.Errorf("import %v changed the registry:\n%s", args, after)
		}
	}
	// A bundle whose format comes after its cases is still one.
	late := write("late.json", `{"cases": [{"id": "late", "title": "Late"}], "format": "provcheck-registry", "version": 1}`)
	if code, _, stderr := cli(t, nil, "--registry", reg, "registry", "import", good, late); code != 0 {
		t.Fatalf("import: %s", stderr)
	}
	if out := list(); !strings.Contains(out, "g49") || !strings.Contains(out, "late") {
		t.Errorf("imported cases missing:\n%s", out)
	}
	// Standard input, as a bundle, is streamed too.
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"--registry", reg, "registry", "import", "--format", "bundle", "-"}, strings.NewReader(bundleOf("s", 3, -1)), &out, &errb)
	if code != 0 || !strings.Contains(out.String(), "imported 3 case(s)") {
		t.Errorf("import from stdin: %d %q %q", code, out.String(), errb.String())
	}
}
