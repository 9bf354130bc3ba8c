package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
)

func manCommand() *cli.Command {
	return &cli.Command{
		Name:   "man",
		Usage:  "print the manual page detector(1), in roff, generated from the commands and their flags",
		Hidden: true,
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return withHint(fmt.Errorf("man takes no arguments"), "detector man > detector.1")
			}
			_, err := fmt.Fprint(os.Stdout, manPage(c.App))
			return err
		},
	}
}
