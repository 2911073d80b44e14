//go:build !unix

package ui

import "context"

// runScreen leaves every terminal to Bubble Tea's renderer where gwtop's
// screen has no raw mode and size signals to run on.
func runScreen(context.Context, Model, []string) (bool, error) { return false, nil }
