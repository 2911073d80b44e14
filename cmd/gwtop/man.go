package main

import (
	"bytes"
	"io"

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
	return &doc.GenManHeader{Title: "GWTOP", Section: "1", Source: "gwtop", Manual: "gwtop manual"}
}

func manPage(root *cobra.Command) ([]byte, error) {
	var b bytes.Buffer
	err := doc.GenMan(root, manHeader(), &b)
	return b.Bytes(), err
}
