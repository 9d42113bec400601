// Package output writes provcheck's results in the formats users choose:
// text for people, json, jsonl and csv for programs, vpdq for exchanging
// video hashes with ThreatExchange tools.
package report

import (
	"fmt"
	"os"
	"slices"
	"strings"
)

// Format is an output format name.
type Format string

// The formats. Each command accepts a subset.
const (
	Text  Format = "text"
	JSON  Format = "json"
	JSONL Format = "jsonl"
	CSV   Format = "csv"
	VPDQ  Format = "vpdq"
)

// ParseFormat accepts one of allowed.
func ParseFormat(s string, allowed ...Format) (Format, error) {
	f := Format(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains(allowed, f) {
		return f, nil
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	return "", fmt.Errorf("unknown format %q (want %s)", s, strings.Join(names, ", "))
}

// Style says how text output may decorate itself.
type Style struct {
	Color bool
}

// StyleFor decorates only a terminal, and never when NO_COLOR is set to a
// non-empty value (https://no-color.org: an empty NO_COLOR is as unset).
func StyleFor(f *os.File) Style {
	return Style{Color: colorAllowed(os.Getenv("NO_COLOR"), os.Getenv("TERM"), IsTerminal(f))}
}

// colorAllowed is StyleFor's rule: a terminal that is not "dumb", and no
// NO_COLOR with a value.
func colorAllowed(noColor, term string, terminal bool) bool {
	return terminal && noColor == "" && term != "dumb"
}

// IsTerminal reports whether f is a character device (a terminal).
func IsTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func (s Style) paint(code, text string) string {
	if !s.Color {
		return text
	}
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}

func (s Style) bold(t string) string   { return s.paint("1", t) }
func (s Style) red(t string) string    { return s.paint("1;31", t) }
func (s Style) yellow(t string) string { return s.paint("1;33", t) }
func (s Style) green(t string) string  { return s.paint("32", t) }
func (s Style) dim(t string) string    { return s.paint("2", t) }
