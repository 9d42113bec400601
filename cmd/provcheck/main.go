// Command provcheck recognises known debunked viral media: it fingerprints
// images and video frames and matches them against a registry of debunked
// cases with their fact-checks.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/provcheck/provcheck/internal/report"
)

// Exit codes (documented in the README).
const (
	exitOK          = 0 // ran, whatever the verdicts
	exitFailOn      = 1 // --fail-on verdict occurred
	exitUsage       = 2 // usage, configuration or registry error
	exitInputFailed = 3 // some input could not be processed
)

// exitError carries the exit code for an error.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

func usageErr(err error) error { return &exitError{exitUsage, err} }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command line and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "provcheck:", report.CleanLines(ee.err.Error()))
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "provcheck:", report.CleanLines(err.Error()))
	return exitUsage
}
