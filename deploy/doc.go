// Package deploy holds what runs provcheck as a service — the systemd unit
// here, the Dockerfile at the repository root — and the tests that check
// them: `systemd-analyze verify` of the unit, a lint of the Dockerfile, and
// a run of the container's command with its environment.
package deploy
