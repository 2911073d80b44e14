package main

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// manCmd prints gwtop's man page (section 1), built from the same command
// tree as --help, so the two cannot drift; docs/man holds its pages, kept
// in sync by a test.
func manCmd(stdout io.Writer) *cobra.Command {
	var dir string
	c := &cobra.Command{
		Use:     "man",
		Short:   "print gwtop's man page (troff), or write one page per command with --dir",
		Example: "  gwtop man | man -l -\n  gwtop man --dir docs/man      # what docs/man holds",
		Args:    noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if dir != "" {
				return doc.GenManTree(c.Root(), manHeader(), dir)
			}
			b, err := manPage(c.Root())
			if err != nil {
				return err
			}
			_, err = stdout.Write(b)
			return err
		},
	}
	c.Flags().StringVar(&dir, "dir", "", "write gwtop.1 and one page per command (gwtop-snapshot.1, …) into this directory")
	return c
}

func manHeader() *doc.GenManHeader {
	d := manDate()
	return &doc.GenManHeader{Title: "GWTOP", Section: "1", Source: "gwtop", Manual: "gwtop manual", Date: &d}
}

// manPagesDate is the date the pages in docs/man carry. The pages print a
// date (their header and HISTORY line); the wall clock's made a page
// generated today differ from yesterday's, so the pages are dated by the
// build (make build and goreleaser set main.date), else by
// SOURCE_DATE_EPOCH, else by this.
var manPagesDate = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func manDate() time.Time {
	if t, err := time.Parse(time.RFC3339, date); err == nil {
		return t.UTC()
	}
	if s, err := strconv.ParseInt(os.Getenv("SOURCE_DATE_EPOCH"), 10, 64); err == nil {
		return time.Unix(s, 0).UTC()
	}
	return manPagesDate
}

func manPage(root *cobra.Command) ([]byte, error) {
	var b bytes.Buffer
	err := doc.GenMan(root, manHeader(), &b)
	return b.Bytes(), err
}
