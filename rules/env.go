package rules

import (
	"fmt"
	"slices"
	"strings"
)

// otherEnv are PROVCHECK_* variables that are not configuration keys but
// are read on purpose (by benchmarks and test helpers).
var otherEnv = []string{"PROVCHECK_BENCH_DIR", "PROVCHECK_DUMP_LAYOUTS", "PROVCHECK_FFMPEG_TEST_HELPER"}

// EnvNames lists the environment variable of every configuration key
// (PROVCHECK_THRESHOLDS_MATCH_DISTANCE, …), plus PROVCHECK_API_KEYS.
func EnvNames() []string {
	var names []string
	for _, k := range Keys() {
		names = append(names, envName(k))
	}
	names = append(names, EnvPrefix+"_API_KEYS")
	slices.Sort(names)
	return names
}

func envName(key string) string {
	return EnvPrefix + "_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// UnknownEnv returns one warning for each PROVCHECK_* variable of environ
// ("NAME=value" entries, as os.Environ gives them) that provcheck does not
// read: a mistyped variable would otherwise be ignored without a word,
// while a mistyped config key is an error. The closest known name is
// suggested.
func UnknownEnv(environ []string) []string {
	known := EnvNames()
	var out []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, EnvPrefix+"_") || slices.Contains(known, name) || slices.Contains(otherEnv, name) {
			continue
		}
		msg := fmt.Sprintf("unknown environment variable %s is ignored", name)
		if near, d := nearest(name, known); d <= 3 {
			msg += fmt.Sprintf(" (did you mean %s?)", near)
		}
		out = append(out, msg)
	}
	slices.Sort(out)
	return out
}

// nearest returns the candidate at the smallest edit distance from s.
func nearest(s string, candidates []string) (string, int) {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best, bestD
}

// editDistance is the Levenshtein distance of two ASCII strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
