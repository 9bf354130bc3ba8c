#!/bin/sh
# The developer workload of bench/host/run.sh: git, go build, test and
# vet, apt-cache, python scripts and tar, in a loop for SECONDS, in
# folder DIR. PHASE learn and judge do the same kind of work in another
# order, with other names, files and packages. It writes its session id
# to DIR/sid first.
#
#   workload.sh learn|judge SECONDS DIR
set -eu
phase=$1 secs=$2 dir=$3
mkdir -p "$dir"
cd "$dir"
ps -o sid= -p $$ | tr -d ' ' >sid.tmp && mv sid.tmp sid
end=$(($(date +%s) + secs))
i=0
if [ "$phase" = learn ]; then
	pkgs="coreutils git tar python3 bash"
	steps="git go py tar apt"
else
	pkgs="grep sed findutils gzip make"
	steps="apt tar py go git"
fi
export GOFLAGS=-buildvcs=false
while [ "$(date +%s)" -lt "$end" ]; do
	i=$((i + 1))
	for s in $steps; do
		case $s in
		git)
			rm -rf repo && mkdir repo && cd repo
			git init -q . && git config user.email dev@example.invalid && git config user.name dev
			for n in 1 2 3; do echo "$phase line $i $n" >"notes-$n.txt"; done
			git add . && git commit -qm "$phase $i"
			echo more >>notes-1.txt
			git diff --stat >/dev/null && git status --short >/dev/null
			git commit -qam "change $i" && git log --oneline >/dev/null
			git branch "topic-$i" && git checkout -q "topic-$i" && git checkout -q -
			cd ..
			;;
		go)
			rm -rf mod && mkdir mod && cd mod
			printf 'module example.invalid/bench\n\ngo 1.21\n' >go.mod
			if [ "$phase" = learn ]; then
				printf 'package main\n\nimport (\n\t"fmt"\n\t"strings"\n)\n\nfunc main() { fmt.Println(strings.ToUpper("x")) }\n' >main.go
				printf 'package main\n\nimport "testing"\n\nfunc TestX(t *testing.T) {}\n' >main_test.go
			else
				printf 'package main\n\nimport (\n\t"fmt"\n\t"strings"\n)\n\nfunc main() { fmt.Println(strings.Repeat("y", %d)) }\n' "$i" >main.go
				printf 'package main\n\nimport "testing"\n\nfunc TestY(t *testing.T) {\n\tif 1+1 != 2 {\n\t\tt.Fatal()\n\t}\n}\n' >main_test.go
			fi
			go build -o app . && ./app >/dev/null
			go test ./... >/dev/null
			go vet ./... >/dev/null
			cd ..
			;;
		py)
			printf 'import collections, json, sys\nwords = collections.Counter(open(sys.argv[1]).read().split())\njson.dump(dict(words.most_common(5)), open(sys.argv[2], "w"))\n' >count.py
			seq 1 200 | sed "s/^/$phase word /" >words.txt
			python3 count.py words.txt "counts-$i.json"
			python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "counts-$i.json" >/dev/null
			rm -f counts-*.json
			;;
		tar)
			mkdir -p tree/a tree/b && echo "$i" >tree/a/x && echo "$phase" >tree/b/y
			tar czf "tree-$i.tgz" tree && mkdir -p out && tar xzf "tree-$i.tgz" -C out && tar tzf "tree-$i.tgz" >/dev/null
			rm -rf out tree-*.tgz
			;;
		apt)
			for p in $pkgs; do apt-cache policy "$p" >/dev/null; done
			apt-cache show "$(echo $pkgs | cut -d' ' -f$((i % 5 + 1)))" >/dev/null 2>&1 || true
			apt-cache search --names-only "^lib$(echo $pkgs | cut -d' ' -f1)" >/dev/null 2>&1 || true
			;;
		esac
	done
done
