package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"detector/report"
)

func inspectCommand() *cli.Command {
	return &cli.Command{
		Name:  "inspect",
		Usage: "describe a trained model",
		Flags: []cli.Flag{modelFlag()},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return withHint(fmt.Errorf("inspect takes no paths"), "name the model with --model FILE")
			}
			path, err := modelPath(c)
			if err != nil {
				return err
			}
			m, err := loadModel(c)
			if err != nil {
				return err
			}
			return report.WriteModel(c.App.Writer, path, m)
		},
	}
}
