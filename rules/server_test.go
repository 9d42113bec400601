package rules

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestServerDefaults(t *testing.T) {
	c, err := load(t, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	s := c.Server
	if s.Addr != "127.0.0.1:8080" || len(s.APIKeys) != 0 || s.KeyedReads || s.MaxUpload != 100<<20 ||
		s.Workers != 0 || s.QueueSize != 32 || s.RequestTimeout != 60*time.Second {
		t.Errorf("server defaults: %+v", s)
	}
}

func TestServerFromFile(t *testing.T) {
	file, _ := filepath.Abs("testdata/server.yaml")
	c, err := load(t, file, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := c.Server
	want := []string{"alpha-key-0123456789", "beta-key-0123456789", "gamma-key-0123456789"}
	if s.Addr != "[::1]:9090" || !slices.Equal(s.APIKeys, want) || !s.KeyedReads || s.MaxUpload != 20e6 ||
		s.Workers != 3 || s.QueueSize != 5 || s.RequestTimeout != 15*time.Second {
		t.Errorf("server from file: %+v", s)
	}
}

func TestServerAPIKeysFromEnvironment(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want []string
	}{
		{map[string]string{"PROVCHECK_API_KEYS": "first-key-0123456789, second-key-0123456789,,"},
			[]string{"first-key-0123456789", "second-key-0123456789"}},
		{map[string]string{"PROVCHECK_SERVER_API_KEYS": "first-key-0123456789"},
			[]string{"first-key-0123456789"}},
		// The full name wins over the short one.
		{map[string]string{"PROVCHECK_SERVER_API_KEYS": "first-key-0123456789", "PROVCHECK_API_KEYS": "second-key-0123456789"},
			[]string{"first-key-0123456789"}},
		// Repeated keys are kept once.
		{map[string]string{"PROVCHECK_API_KEYS": "first-key-0123456789,first-key-0123456789"},
			[]string{"first-key-0123456789"}},
		{map[string]string{"PROVCHECK_API_KEYS": ""}, []string{}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(keys(tt.env), ","), func(t *testing.T) {
			c, err := load(t, "", tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(c.Server.APIKeys, tt.want) {
				t.Errorf("keys %q, want %q", c.Server.APIKeys, tt.want)
			}
		})
	}
}

func TestServerEnvironmentOverridesFile(t *testing.T) {
	file, _ := filepath.Abs("testdata/server.yaml")
	c, err := load(t, file, map[string]string{
		"PROVCHECK_API_KEYS":               "env-key-0123456789abc",
		"PROVCHECK_SERVER_READ_ACCESS":     "open",
		"PROVCHECK_SERVER_QUEUE_SIZE":      "0",
		"PROVCHECK_SERVER_REQUEST_TIMEOUT": "2m",
	})
	if err != nil {
		t.Fatal(err)
	}
	s := c.Server
	if !slices.Equal(s.APIKeys, []string{"env-key-0123456789abc"}) || s.KeyedReads || s.QueueSize != 0 ||
		s.RequestTimeout != 2*time.Minute || s.Workers != 3 {
		t.Errorf("environment did not override the file: %+v", s)
	}
}

func TestBadServerConfig(t *testing.T) {
	file, _ := filepath.Abs("testdata/server-bad.yaml")
	_, err := load(t, file, nil)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, key := range []string{"server.addr", "server.api_keys", "server.read_access", "server.max_upload",
		"server.workers", "server.queue_size", "server.request_timeout", "server.min_upload_rate", "server.upload_grace", "server.uploads_per_client"} {
		if !strings.Contains(err.Error(), key+":") {
			t.Errorf("error %q does not name %s", err, key)
		}
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("error echoes the key: %q", err)
	}
}

func TestServerKeyedReadsNeedKeys(t *testing.T) {
	_, err := load(t, "", map[string]string{"PROVCHECK_SERVER_READ_ACCESS": "keyed"})
	if err == nil || !strings.Contains(err.Error(), "server.read_access") {
		t.Fatalf("keyed reads without keys: %v", err)
	}
	c, err := load(t, "", map[string]string{"PROVCHECK_SERVER_READ_ACCESS": "keyed", "PROVCHECK_API_KEYS": "reader-key-0123456789"})
	if err != nil || !c.Server.KeyedReads {
		t.Fatalf("keyed reads with a key: %v %+v", err, c.Server)
	}
}

func TestServerKeysAreKnown(t *testing.T) {
	for _, k := range []string{"server.addr", "server.api_keys", "server.read_access", "server.max_upload",
		"server.workers", "server.queue_size", "server.request_timeout", "server.min_upload_rate", "server.upload_grace", "server.uploads_per_client"} {
		if !slices.Contains(Keys(), k) {
			t.Errorf("Keys() lacks %s", k)
		}
	}
}
