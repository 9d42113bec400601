package batch

import "testing"

func TestGlob(t *testing.T) {
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{"*.jpg", "a.jpg", true},
		{"*.jpg", "deep/down/a.jpg", true},
		{"*.jpg", "a.jpeg", false},
		{"*.JPG", "a.jpg", false},
		{".*", "sub/.hidden", true},
		{"thumbs", "x/thumbs", true},
		{"incoming/*.mp4", "incoming/a.mp4", true},
		{"incoming/*.mp4", "incoming/x/a.mp4", false},
		{"incoming/**/*.mp4", "incoming/a.mp4", true},
		{"incoming/**/*.mp4", "incoming/x/y/a.mp4", true},
		{"incoming/**/*.mp4", "other/incoming/a.mp4", false},
		{"**/thumbs/*", "a/b/thumbs/t.jpg", true},
		{"**/thumbs/*", "thumbs/t.jpg", true},
		{"**/thumbs/*", "thumbs", false},
		{"uploads/**", "uploads/a/b", true},
		{"/abs/*.jpg", "abs/a.jpg", true},
		{"[ab]?.png", "b1.png", true},
		{"[ab]?.png", "c1.png", false},
	}
	for _, tt := range tests {
		g, err := compileGlob(tt.pattern)
		if err != nil {
			t.Fatalf("%q: %v", tt.pattern, err)
		}
		if got := g.match(tt.path); got != tt.want {
			t.Errorf("%q matches %q: %v, want %v", tt.pattern, tt.path, got, tt.want)
		}
	}
	for _, bad := range []string{"", "[", "a/[/b"} {
		if _, err := compileGlob(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestFilter(t *testing.T) {
	f, err := newFilter([]string{"*.jpg", "*.mp4"}, []string{"thumbs", "*-small.jpg"})
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]bool{
		"a.jpg": true, "x/b.mp4": true, "c.png": false,
		"thumbs/a.jpg": true, // the file itself is not excluded; the walk prunes the directory
		"a-small.jpg":  false,
	} {
		if got := f.file(path); got != want {
			t.Errorf("file(%q) = %v", path, got)
		}
	}
	if !f.excluded("x/thumbs") || f.excluded("x/thumb") {
		t.Error("directory exclusion")
	}
	if _, err := newFilter(nil, []string{"["}); err == nil {
		t.Error("bad exclude accepted")
	}
}
