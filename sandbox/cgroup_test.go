package sandbox

import (
	"strings"
	"testing"
)

// The runs' cgroups are found from the mount table and the process's own
// cgroups, on a hybrid layout (this project's CI) and on pure cgroup v2,
// also inside a cgroup namespace.
func TestCgroupLookup(t *testing.T) {
	for _, c := range []struct {
		name, mountinfo, cgroups string
		v2Dir, memoryDir         string
	}{
		{"hybrid",
			`22 27 0:21 / /proc rw,relatime - proc proc rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`, "8:pids:/\n4:memory:/process_api/6f81\n0::/\n",
			"/sys/fs/cgroup/unified", "/sys/fs/cgroup/memory/process_api/6f81"},
		{"v2",
			`30 24 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`, "0::/user.slice/user-1000.slice/user@1000.service/app.slice/run-r1.scope\n",
			"/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice/run-r1.scope", ""},
		{"v2 sub-hierarchy mounted",
			`612 611 0:26 /docker/abc /sys/fs/cgroup ro,nosuid - cgroup2 cgroup2 rw
`, "0::/docker/abc/sub\n",
			"/sys/fs/cgroup/sub", ""},
		{"v1 cpu and memory together, escaped mount point",
			`35 31 0:32 / /sys/fs/cgroup/cpu\040memory rw - cgroup cgroup rw,cpu,memory
`, "3:cpu,memory:/a\n",
			"", "/sys/fs/cgroup/cpu memory/a"},
	} {
		t.Run(c.name, func(t *testing.T) {
			v2, v1, err := cgroupMounts(strings.NewReader(c.mountinfo))
			if err != nil {
				t.Fatal(err)
			}
			own := ownCgroups(c.cgroups)
			var v2Dir, memDir string
			if p, ok := own[""]; ok && v2.dir != "" {
				v2Dir = cgroupDir(v2, p)
			}
			if p, ok := own["memory"]; ok && v1.dir != "" {
				memDir = cgroupDir(v1, p)
			}
			if v2Dir != c.v2Dir || memDir != c.memoryDir {
				t.Errorf("v2 %q, memory %q; want %q, %q", v2Dir, memDir, c.v2Dir, c.memoryDir)
			}
		})
	}
	// A cgroup outside what the mount or the cgroup namespace shows is not
	// used.
	if d := cgroupDir(cgroupMount{dir: "/sys/fs/cgroup", root: "/docker/abc"}, "/other"); d != "" {
		t.Errorf("cgroup outside the mount: %q, want none", d)
	}
	if d := cgroupDir(cgroupMount{dir: "/sys/fs/cgroup", root: "/"}, "/../../init.scope"); d != "" {
		t.Errorf("cgroup outside the namespace: %q, want none", d)
	}
}
