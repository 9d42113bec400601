// Package rules holds provcheck's configuration — thresholds, sampling,
// limits and actions — and the policy that turns match evidence into a
// verdict and an action.
//
// Configuration comes from defaults, then a provcheck.yaml file, then
// PROVCHECK_* environment variables, then flags. The raw values are read
// into Raw and turned into a validated Config by Raw.Translate; nothing else
// reads configuration.
package rules

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Raw is configuration as written by a user: in the config file, in
// environment variables or flags. Keys are the mapstructure names.
type Raw struct {
	Registry string `mapstructure:"registry"`
	// IndexFile is where check and scan keep the persisted index of the
	// registry: "" for the default place (beside a SQLite registry, in the
	// user cache directory for PostgreSQL), "off" for none.
	IndexFile  string        `mapstructure:"index_file"`
	FFmpeg     string        `mapstructure:"ffmpeg"`
	FFprobe    string        `mapstructure:"ffprobe"`
	Thresholds RawThresholds `mapstructure:"thresholds"`
	Actions    RawActions    `mapstructure:"actions"`
	Sampling   RawSampling   `mapstructure:"sampling"`
	Limits     RawLimits     `mapstructure:"limits"`
	Server     RawServer     `mapstructure:"server"`
}

// RawThresholds are the matching thresholds.
type RawThresholds struct {
	MatchDistance    int     `mapstructure:"match_distance"`
	PossibleDistance int     `mapstructure:"possible_distance"`
	MinQuality       int     `mapstructure:"min_quality"`
	MinFrames        int     `mapstructure:"min_frames"`
	MinCoverage      float64 `mapstructure:"min_coverage"`
	LocalInliers     int     `mapstructure:"local_inliers"`
	MaxSpeedChange   float64 `mapstructure:"max_speed_change"`
}

// RawActions name what a pipeline should do for each verdict.
type RawActions struct {
	Match         string `mapstructure:"match"`
	PossibleMatch string `mapstructure:"possible_match"`
	NoMatch       string `mapstructure:"no_match"`
}

// RawSampling sets how videos are sampled.
type RawSampling struct {
	RegisterFPS float64 `mapstructure:"register_fps"`
	QueryFPS    float64 `mapstructure:"query_fps"`
	FrameSize   int     `mapstructure:"frame_size"`
	MaxFrames   int     `mapstructure:"max_frames"`
	Dedup       int     `mapstructure:"dedup_distance"`
	// QueryKeyframes decodes only keyframes of checked videos: several
	// times faster, with fewer frames as evidence.
	QueryKeyframes bool `mapstructure:"query_keyframes"`
	// QueryViews is how hard a checked file is searched: "thorough" adds
	// rectangle proposals, turned and centre views, and local features
	// (with guided PDQ); "fast" hashes the frame, its mirror and the
	// picture found inside borders only.
	QueryViews string `mapstructure:"query_views"`
	// LocalFeatures computes local features on registered media and on
	// checked files (with thorough query views); off, only the hashes
	// match.
	LocalFeatures bool `mapstructure:"local_features"`
}

// RawLimits bound what provcheck will read.
type RawLimits struct {
	MaxPixels   int64  `mapstructure:"max_pixels"`
	MaxFileSize string `mapstructure:"max_file_size"`
	Timeout     string `mapstructure:"timeout"`
	// MaxDecodeMemory bounds the memory one image may take to decode
	// (priced from its header); DecodeMemory bounds what all the images
	// decoded at once in one process may take together (the others wait).
	MaxDecodeMemory string `mapstructure:"max_decode_memory"`
	DecodeMemory    string `mapstructure:"decode_memory"`
	// MaxCanvasPixels bounds the canvas of an animated GIF or WebP.
	MaxCanvasPixels int64 `mapstructure:"max_canvas_pixels"`
}

// RawServer configures `provcheck serve`.
type RawServer struct {
	Addr string `mapstructure:"addr"`
	// APIKeys are the keys accepted in "Authorization: Bearer …". Each
	// element may hold several keys separated by commas, as
	// PROVCHECK_API_KEYS does.
	APIKeys        []string `mapstructure:"api_keys"`
	ReadAccess     string   `mapstructure:"read_access"` // open or keyed
	MaxUpload      string   `mapstructure:"max_upload"`
	Workers        int      `mapstructure:"workers"`
	QueueSize      int      `mapstructure:"queue_size"`
	RequestTimeout string   `mapstructure:"request_timeout"`
	// Uploads are read whole before they take a fingerprinting place; a
	// client must keep up min_upload_rate (bytes a second, after
	// upload_grace), and one address may upload uploads_per_client at once.
	MinUploadRate    string `mapstructure:"min_upload_rate"`
	UploadGrace      string `mapstructure:"upload_grace"`
	UploadsPerClient int    `mapstructure:"uploads_per_client"`
}

// Defaults is the configuration used when nothing else is set.
func Defaults() Raw {
	return Raw{
		Registry: "",
		FFmpeg:   "ffmpeg",
		FFprobe:  "ffprobe",
		Thresholds: RawThresholds{
			MatchDistance:    31,
			PossibleDistance: 45,
			MinQuality:       50,
			MinFrames:        3,
			MinCoverage:      0.2,
			LocalInliers:     24,
			MaxSpeedChange:   0.3,
		},
		Actions: RawActions{Match: "label", PossibleMatch: "review", NoMatch: "none"},
		Sampling: RawSampling{
			RegisterFPS:   5,
			QueryFPS:      2,
			FrameSize:     320,
			MaxFrames:     3000,
			Dedup:         4,
			QueryViews:    ViewsThorough,
			LocalFeatures: true,
		},
		Limits: RawLimits{
			MaxPixels:       100_000_000,
			MaxFileSize:     "4GiB",
			Timeout:         "2m",
			MaxDecodeMemory: "256MiB",
			DecodeMemory:    "1GiB",
			MaxCanvasPixels: 25_000_000,
		},
		Server: RawServer{
			Addr:             "127.0.0.1:8080",
			APIKeys:          []string{},
			ReadAccess:       "open",
			MaxUpload:        "100MiB",
			Workers:          0,
			QueueSize:        32,
			RequestTimeout:   "60s",
			MinUploadRate:    "16KiB",
			UploadGrace:      "5s",
			UploadsPerClient: 8,
		},
	}
}

// Config is validated configuration, passed down to every part of the
// program.
type Config struct {
	Registry   string // registry file or postgres:// URL; "" means the default location
	IndexFile  string // persisted index file; "" the default place, IndexOff none
	FFmpeg     string
	FFprobe    string
	Thresholds Thresholds
	Actions    Actions
	Sampling   Sampling
	Limits     Limits
	Server     Server
}

// Thresholds are validated matching thresholds (PDQ Hamming distances out
// of 256; quality 0..100).
type Thresholds struct {
	MatchDistance    int
	PossibleDistance int
	MinQuality       int
	MinFrames        int
	MinCoverage      float64
	// LocalInliers: descriptor matches agreeing on one transform that make
	// local-feature evidence alone a match (fewer: a possible match).
	LocalInliers int
	// MaxSpeedChange is the largest speed change (0.3: ±30%) a clip's
	// time alignment is searched for, in steps of 5%: more finds reposts
	// sped up or slowed down further, at the cost of more alignments that
	// unrelated frames can agree on by chance.
	MaxSpeedChange float64
}

// Actions name what a pipeline should do for each verdict.
type Actions map[Verdict]string

// Sampling sets how videos are sampled.
type Sampling struct {
	RegisterFPS    float64
	QueryFPS       float64
	FrameSize      int
	MaxFrames      int
	Dedup          int
	QueryKeyframes bool
	QueryViews     string // ViewsThorough or ViewsFast
	LocalFeatures  bool
}

// The values of sampling.query_views.
const (
	ViewsThorough = "thorough"
	ViewsFast     = "fast"
)

// Limits bound what provcheck will read.
type Limits struct {
	MaxPixels       int64
	MaxFileSize     int64
	Timeout         time.Duration
	MaxDecodeMemory int64 // bytes to decode one image
	DecodeMemory    int64 // bytes for all images decoded at once
	MaxCanvasPixels int64
}

// Server configures the HTTP service.
type Server struct {
	Addr       string   // listen address, host:port
	APIKeys    []string // accepted API keys; none means writes are refused
	KeyedReads bool     // checks and registry reads need a key too
	MaxUpload  int64    // bytes
	Workers    int      // fingerprinting jobs at once; 0: one per CPU
	QueueSize  int      // jobs that may wait for a worker before 503
	// RequestTimeout bounds each request, from upload to answer.
	RequestTimeout time.Duration
	// MinUploadRate (bytes a second) is the slowest an upload may arrive
	// once UploadGrace has passed: a body read must have received
	// MinUploadRate × (elapsed − UploadGrace) bytes.
	MinUploadRate int64
	UploadGrace   time.Duration
	// UploadsPerClient bounds the uploads one client address sends at once.
	UploadsPerClient int
}

// Translate validates raw configuration. Every problem is reported, each
// naming its key.
func (r Raw) Translate() (Config, error) {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	c := Config{Registry: r.Registry, IndexFile: expandHome(r.IndexFile), FFmpeg: r.FFmpeg, FFprobe: r.FFprobe}
	if c.Registry != "" {
		c.Registry = expandHome(c.Registry)
	}
	if strings.TrimSpace(c.FFmpeg) == "" {
		bad("ffmpeg", "must name the ffmpeg program")
	}
	if strings.TrimSpace(c.FFprobe) == "" {
		bad("ffprobe", "must name the ffprobe program")
	}

	t := r.Thresholds
	if t.MatchDistance < 0 || t.MatchDistance > 128 {
		bad("thresholds.match_distance", "%d is outside 0..128", t.MatchDistance)
	}
	if t.PossibleDistance < t.MatchDistance || t.PossibleDistance > 128 {
		bad("thresholds.possible_distance", "%d must be between match_distance (%d) and 128", t.PossibleDistance, t.MatchDistance)
	}
	if t.MinQuality < 0 || t.MinQuality > 100 {
		bad("thresholds.min_quality", "%d is outside 0..100", t.MinQuality)
	}
	if t.MinFrames < 1 || t.MinFrames > 1000 {
		bad("thresholds.min_frames", "%d is outside 1..1000", t.MinFrames)
	}
	if t.MinCoverage < 0 || t.MinCoverage > 1 {
		bad("thresholds.min_coverage", "%g is outside 0..1", t.MinCoverage)
	}
	if t.LocalInliers < 1 || t.LocalInliers > 500 {
		bad("thresholds.local_inliers", "%d is outside 1..500", t.LocalInliers)
	}
	if t.MaxSpeedChange < 0 || t.MaxSpeedChange > 0.9 {
		bad("thresholds.max_speed_change", "%g is outside 0..0.9", t.MaxSpeedChange)
	}
	c.Thresholds = Thresholds(t)

	c.Actions = Actions{}
	for _, a := range []struct {
		key string
		v   Verdict
		val string
	}{{"actions.match", Match, r.Actions.Match}, {"actions.possible_match", PossibleMatch, r.Actions.PossibleMatch}, {"actions.no_match", NoMatch, r.Actions.NoMatch}} {
		if !validAction(a.val) {
			bad(a.key, "%q is not an action name (letters, digits, '_', '-'; e.g. label, review, block, none)", a.val)
		}
		c.Actions[a.v] = a.val
	}

	s := r.Sampling
	if s.RegisterFPS <= 0 || s.RegisterFPS > 60 {
		bad("sampling.register_fps", "%g is outside (0, 60]", s.RegisterFPS)
	}
	if s.QueryFPS <= 0 || s.QueryFPS > 60 {
		bad("sampling.query_fps", "%g is outside (0, 60]", s.QueryFPS)
	}
	if s.FrameSize < 64 || s.FrameSize > 2048 {
		bad("sampling.frame_size", "%d is outside 64..2048", s.FrameSize)
	}
	if s.MaxFrames < 1 || s.MaxFrames > 100_000 { // registry.MaxFrames
		bad("sampling.max_frames", "%d is outside 1..100000", s.MaxFrames)
	}
	if s.Dedup < 0 || s.Dedup > 64 {
		bad("sampling.dedup_distance", "%d is outside 0..64", s.Dedup)
	}
	if s.QueryViews != ViewsThorough && s.QueryViews != ViewsFast {
		bad("sampling.query_views", "%q is not %s or %s", s.QueryViews, ViewsThorough, ViewsFast)
	}
	c.Sampling = Sampling(s)

	l := r.Limits
	if l.MaxPixels < 1 {
		bad("limits.max_pixels", "%d must be positive", l.MaxPixels)
	}
	c.Limits.MaxPixels = l.MaxPixels
	if n, err := ParseSize(l.MaxFileSize); err != nil {
		bad("limits.max_file_size", "%v", err)
	} else {
		c.Limits.MaxFileSize = n
	}
	if d, err := time.ParseDuration(l.Timeout); err != nil || d <= 0 {
		bad("limits.timeout", "%q is not a positive duration (e.g. 90s, 2m)", l.Timeout)
	} else {
		c.Limits.Timeout = d
	}
	if n, err := ParseSize(l.MaxDecodeMemory); err != nil || n < 1<<20 {
		bad("limits.max_decode_memory", "%q is not a size of at least 1MiB", l.MaxDecodeMemory)
	} else {
		c.Limits.MaxDecodeMemory = n
	}
	if n, err := ParseSize(l.DecodeMemory); err != nil || n < 1<<20 {
		bad("limits.decode_memory", "%q is not a size of at least 1MiB", l.DecodeMemory)
	} else {
		c.Limits.DecodeMemory = n
	}
	if l.MaxCanvasPixels < 1 {
		bad("limits.max_canvas_pixels", "%d must be positive", l.MaxCanvasPixels)
	}
	c.Limits.MaxCanvasPixels = l.MaxCanvasPixels
	c.Server = r.Server.translate(bad)
	if len(errs) > 0 {
		return Config{}, &Error{Errs: errs}
	}
	return c, nil
}

func (s RawServer) translate(bad func(key, format string, args ...any)) Server {
	out := Server{Addr: strings.TrimSpace(s.Addr), APIKeys: []string{}}
	if _, port, err := net.SplitHostPort(out.Addr); err != nil || port == "" {
		bad("server.addr", "%q is not host:port (e.g. 127.0.0.1:8080)", s.Addr)
	}
	for _, list := range s.APIKeys {
		for _, k := range strings.Split(list, ",") {
			k = strings.TrimSpace(k)
			switch {
			case k == "":
			case len(k) < 16:
				bad("server.api_keys", "a key of %d characters is too short to be secret (at least 16)", len(k))
			case strings.ContainsFunc(k, func(r rune) bool { return r <= ' ' || r > '~' }):
				bad("server.api_keys", "keys are printable ASCII without spaces")
			case !slices.Contains(out.APIKeys, k):
				out.APIKeys = append(out.APIKeys, k)
			}
		}
	}
	switch s.ReadAccess {
	case "open":
	case "keyed":
		out.KeyedReads = true
		if len(out.APIKeys) == 0 {
			bad("server.read_access", "keyed reads need at least one key in server.api_keys (or PROVCHECK_API_KEYS)")
		}
	default:
		bad("server.read_access", "%q is not open or keyed", s.ReadAccess)
	}
	if n, err := ParseSize(s.MaxUpload); err != nil {
		bad("server.max_upload", "%v", err)
	} else {
		out.MaxUpload = n
	}
	if s.Workers < 0 || s.Workers > 1024 {
		bad("server.workers", "%d is outside 0..1024 (0: one per CPU)", s.Workers)
	}
	out.Workers = s.Workers
	if s.QueueSize < 0 || s.QueueSize > 100_000 {
		bad("server.queue_size", "%d is outside 0..100000", s.QueueSize)
	}
	out.QueueSize = s.QueueSize
	if d, err := time.ParseDuration(s.RequestTimeout); err != nil || d < time.Second {
		bad("server.request_timeout", "%q is not a duration of at least 1s (e.g. 30s, 2m)", s.RequestTimeout)
	} else {
		out.RequestTimeout = d
	}
	if n, err := ParseSize(s.MinUploadRate); err != nil || n < 1 {
		bad("server.min_upload_rate", "%q is not a size of at least 1 byte (bytes a second, e.g. 16KiB)", s.MinUploadRate)
	} else {
		out.MinUploadRate = n
	}
	if d, err := time.ParseDuration(s.UploadGrace); err != nil || d < 0 {
		bad("server.upload_grace", "%q is not a duration (e.g. 5s)", s.UploadGrace)
	} else {
		out.UploadGrace = d
	}
	if s.UploadsPerClient < 1 || s.UploadsPerClient > 100_000 {
		bad("server.uploads_per_client", "%d is outside 1..100000", s.UploadsPerClient)
	}
	out.UploadsPerClient = s.UploadsPerClient
	return out
}

// Error lists configuration problems.
type Error struct{ Errs []error }

func (e *Error) Error() string {
	msgs := make([]string, len(e.Errs))
	for i, err := range e.Errs {
		msgs[i] = err.Error()
	}
	return "configuration: " + strings.Join(msgs, "; ")
}

// Unwrap lets errors.Is/As see each problem.
func (e *Error) Unwrap() []error { return e.Errs }

func validAction(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// ParseSize reads a byte count: a plain number, or one with a unit
// (KB, MB, GB, TB powers of 1000; KiB, MiB, GiB, TiB powers of 1024).
func ParseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	units := []struct {
		suffix string
		mul    int64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1},
	}
	mul := int64(1)
	num := s
	for _, u := range units {
		if strings.HasSuffix(strings.ToLower(s), strings.ToLower(u.suffix)) {
			mul, num = u.mul, strings.TrimSpace(s[:len(s)-len(u.suffix)])
			break
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v <= 0 || v*float64(mul) > 1<<62 {
		return 0, fmt.Errorf("%q is not a positive size (e.g. 500MB, 4GiB)", s)
	}
	return int64(v * float64(mul)), nil
}

// IndexOff as index_file keeps no persisted index.
const IndexOff = "off"

// DefaultRegistryPath is where the registry lives when none is configured:
// $XDG_DATA_HOME/provcheck/registry.db, or ~/.local/share/provcheck/registry.db.
func DefaultRegistryPath() (string, error) {
	dir := os.Getenv("XDG_DATA_HOME")
	if dir == "" || !filepath.IsAbs(dir) {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", errors.New("no registry configured and no home directory: set --registry or PROVCHECK_REGISTRY")
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(dir, "provcheck", "registry.db"), nil
}

// ConfigDirs are the directories searched for provcheck.yaml, in order: the
// working directory, then $XDG_CONFIG_HOME/provcheck (or ~/.config/provcheck).
func ConfigDirs() []string {
	dirs := []string{"."}
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" && filepath.IsAbs(d) {
		dirs = append(dirs, filepath.Join(d, "provcheck"))
	} else if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, ".config", "provcheck"))
	}
	return dirs
}

func expandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[1:])
		}
	}
	return p
}
