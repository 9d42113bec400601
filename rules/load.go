package rules

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
)

// EnvPrefix is the prefix of provcheck's environment variables:
// PROVCHECK_REGISTRY, PROVCHECK_THRESHOLDS_MATCH_DISTANCE, …
const EnvPrefix = "PROVCHECK"

// NewViper returns a viper instance that knows every key with its default,
// reads PROVCHECK_* environment variables, and reads the config file: file
// if given (it must exist), else provcheck.yaml from ConfigDirs if present.
// Flags are bound by the caller before calling Load.
func NewViper(file string) (*viper.Viper, error) {
	v := viper.New()
	for key, val := range flatten(Defaults()) {
		v.SetDefault(key, val)
	}
	v.SetEnvPrefix(EnvPrefix)
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	// The keys of `provcheck serve` may also come from PROVCHECK_API_KEYS.
	_ = v.BindEnv("server.api_keys", EnvPrefix+"_API_KEYS")
	if file != "" {
		if _, err := os.Stat(file); err != nil {
			return nil, fmt.Errorf("configuration: %w", err)
		}
		v.SetConfigFile(file)
	} else {
		found := ""
		for _, dir := range ConfigDirs() {
			p := filepath.Join(dir, "provcheck.yaml")
			if _, err := os.Stat(p); err == nil {
				found = p
				break
			}
		}
		if found == "" {
			return v, nil
		}
		v.SetConfigFile(found)
	}
	if err := v.ReadInConfig(); err != nil {
		return nil, fmt.Errorf("configuration: %s: %w", v.ConfigFileUsed(), err)
	}
	known := flatten(Defaults())
	var unknown []string
	for _, k := range v.AllKeys() {
		if _, ok := known[k]; !ok {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("configuration: %s: unknown key(s): %s", v.ConfigFileUsed(), strings.Join(unknown, ", "))
	}
	return v, nil
}

// Load reads everything viper knows (defaults, file, environment, bound
// flags) into Raw and translates it into a validated Config.
func Load(v *viper.Viper) (Config, error) {
	var raw Raw
	err := v.UnmarshalExact(&raw, func(dc *mapstructure.DecoderConfig) {
		dc.WeaklyTypedInput = true
	})
	if err != nil {
		return Config{}, fmt.Errorf("configuration: %s", cleanDecodeError(err))
	}
	return raw.Translate()
}

// Keys lists every configuration key.
func Keys() []string {
	m := flatten(Defaults())
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// flatten maps each dotted key of Raw to its value.
func flatten(r Raw) map[string]any {
	out := map[string]any{}
	var walk func(prefix string, v reflect.Value)
	walk = func(prefix string, v reflect.Value) {
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			key := t.Field(i).Tag.Get("mapstructure")
			if prefix != "" {
				key = prefix + "." + key
			}
			f := v.Field(i)
			if f.Kind() == reflect.Struct {
				walk(key, f)
				continue
			}
			out[key] = f.Interface()
		}
	}
	walk("", reflect.ValueOf(r))
	return out
}

func cleanDecodeError(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "decoding failed due to the following error(s):")
	msg = strings.TrimSpace(msg)
	var lines []string
	for _, l := range strings.Split(msg, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return errors.Unwrap(err).Error()
	}
	return strings.Join(lines, "; ")
}
