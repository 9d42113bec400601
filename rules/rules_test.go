package rules

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func load(t *testing.T, file string, env map[string]string) (Config, error) {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir()) // no stray user config
	t.Chdir(t.TempDir())                     // no stray ./provcheck.yaml
	for k, v := range env {
		t.Setenv(k, v)
	}
	v, err := NewViper(file)
	if err != nil {
		return Config{}, err
	}
	return Load(v)
}

func TestDefaultsAreValid(t *testing.T) {
	c, err := load(t, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Thresholds.MatchDistance != 31 || c.Actions[Match] != "label" || c.Actions[PossibleMatch] != "review" ||
		c.Actions[NoMatch] != "none" || c.Limits.Timeout != 2*time.Minute || c.Limits.MaxFileSize != 4<<30 ||
		c.Thresholds.MaxSpeedChange != 0.3 {
		t.Errorf("defaults: %+v", c)
	}
}

func TestLayering(t *testing.T) {
	good, _ := filepath.Abs("testdata/good.yaml")
	// The environment overrides the file.
	c, err := load(t, good, map[string]string{
		"PROVCHECK_THRESHOLDS_MIN_FRAMES": "6",
		"PROVCHECK_REGISTRY":              "/elsewhere/reg.db",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Thresholds.MatchDistance != 28 || c.Actions[Match] != "block" || c.Sampling.QueryFPS != 1.5 ||
		c.Limits.MaxFileSize != 500e6 || c.Limits.Timeout != 45*time.Second {
		t.Errorf("file values not applied: %+v", c)
	}
	if c.Thresholds.MinFrames != 6 || c.Registry != "/elsewhere/reg.db" {
		t.Errorf("environment did not override the file: min_frames %d registry %q", c.Thresholds.MinFrames, c.Registry)
	}
	if c.Thresholds.PossibleDistance != 45 {
		t.Errorf("unset keys keep defaults: %d", c.Thresholds.PossibleDistance)
	}
}

func TestConfigFileFoundInWorkingDirectory(t *testing.T) {
	good, _ := filepath.Abs("testdata/good.yaml")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	dir := t.TempDir()
	t.Chdir(dir)
	data, _ := readFile(good)
	writeFile(t, filepath.Join(dir, "provcheck.yaml"), data)
	v, err := NewViper("")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Load(v)
	if err != nil || c.Thresholds.MatchDistance != 28 {
		t.Errorf("./provcheck.yaml not read: %v %+v", err, c.Thresholds)
	}
}

func TestBadConfigs(t *testing.T) {
	tests := []struct {
		file string
		env  map[string]string
		want []string
	}{
		{"unknown-key.yaml", nil, []string{"unknown key(s): colour, thresholds.match_distnace"}},
		{"bad-values.yaml", nil, []string{"thresholds.match_distance: 300", "thresholds.min_coverage", "actions.match",
			"sampling.query_fps", "sampling.query_views: \"deep\" is not thorough or fast", "limits.max_file_size", "limits.timeout"}},
		{"bad-type.yaml", nil, []string{"thresholds.match_distance"}},
		{"bad-syntax.yaml", nil, []string{"bad-syntax.yaml"}},
		{"missing.yaml", nil, []string{"missing.yaml"}},
		{"", map[string]string{"PROVCHECK_THRESHOLDS_MIN_QUALITY": "-5"}, []string{"thresholds.min_quality: -5"}},
		{"", map[string]string{"PROVCHECK_SAMPLING_FRAME_SIZE": "huge"}, []string{"sampling.frame_size"}},
		{"", map[string]string{"PROVCHECK_THRESHOLDS_MAX_SPEED_CHANGE": "1.5"}, []string{"thresholds.max_speed_change: 1.5 is outside 0..0.9"}},
	}
	for _, tt := range tests {
		t.Run(tt.file+strings.Join(keys(tt.env), ","), func(t *testing.T) {
			file := tt.file
			if file != "" {
				file, _ = filepath.Abs(filepath.Join("testdata", file))
			}
			_, err := load(t, file, tt.env)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"100": 100, "1KB": 1000, "1 KiB": 1024, "4GiB": 4 << 30, "1.5MB": 1_500_000} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-1", "0", "MB", "ten"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
	}
}

func TestDecide(t *testing.T) {
	c, _ := Defaults().Translate()
	tests := []struct {
		name string
		e    Evidence
		want Verdict
	}{
		{"nothing", Evidence{QueryFrames: 10}, NoMatch},
		{"still image exact", Evidence{QueryFrames: 1, FramesMatched: 1, StrongFrames: 1, QueryCoverage: 1, EntryCoverage: 1, BestDistance: 0}, Match},
		{"still image near", Evidence{QueryFrames: 1, FramesMatched: 1, StrongFrames: 1, QueryCoverage: 1, EntryCoverage: 1, BestDistance: 30, MeanDistance: 30}, Match},
		{"still image weak", Evidence{QueryFrames: 1, FramesMatched: 1, QueryCoverage: 1, EntryCoverage: 1, BestDistance: 40, MeanDistance: 40}, PossibleMatch},
		{"video one weak frame", Evidence{QueryFrames: 20, FramesMatched: 1, QueryCoverage: 0.05, EntryCoverage: 0.02, BestDistance: 40, MeanDistance: 40}, NoMatch},
		{"video aligned", Evidence{QueryFrames: 20, FramesMatched: 15, StrongFrames: 12, QueryCoverage: 0.75, EntryCoverage: 0.6, BestDistance: 8, MeanDistance: 16}, Match},
		{"video one strong frame", Evidence{QueryFrames: 20, FramesMatched: 1, StrongFrames: 1, QueryCoverage: 0.05, EntryCoverage: 0.02, BestDistance: 20, MeanDistance: 20}, PossibleMatch},
		{"video two weak frames", Evidence{QueryFrames: 20, FramesMatched: 2, QueryCoverage: 0.1, EntryCoverage: 0.05, BestDistance: 40, MeanDistance: 42}, PossibleMatch},
		{"excerpt in a long compilation", Evidence{QueryFrames: 200, FramesMatched: 10, StrongFrames: 10, QueryCoverage: 0.05, EntryCoverage: 0.5, BestDistance: 6, MeanDistance: 10}, Match},
		{"strong but tiny coverage both ways", Evidence{QueryFrames: 200, FramesMatched: 3, StrongFrames: 3, QueryCoverage: 0.015, EntryCoverage: 0.05, BestDistance: 6, MeanDistance: 10}, PossibleMatch},
	}
	for _, tt := range tests {
		got, score := c.Decide(tt.e)
		if got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
		if score < 0 || score > 1 {
			t.Errorf("%s: score %g outside 0..1", tt.name, score)
		}
	}
	exact, _ := c.Decide(tests[1].e)
	_, s1 := c.Decide(tests[1].e)
	_, s2 := c.Decide(tests[2].e)
	if exact != Match || s1 != 1 || s2 >= s1 {
		t.Errorf("score should fall with distance: exact %g, near %g", s1, s2)
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
