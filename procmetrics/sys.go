package procmetrics

import "os"

func selfPID() int { return os.Getpid() }

func pageSize() int { return os.Getpagesize() }
