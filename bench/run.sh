#!/usr/bin/env bash
# TokenRouter's benchmark, one command: bench/run.sh [--quick] [--soak SECONDS] [--binary PATH]
#   [--rebuild] [--duration S] [--keep]. See bench/README.md for what it measures and how to
# read the table. Needs the .NET 10 SDK, python3, and (installed here if missing) wrk and nginx.
set -euo pipefail
cd "$(dirname "$0")/.."

binary=""
rebuild=0
pass=()
while (($#)); do
  case "$1" in
    --binary) binary="$2"; shift 2 ;;
    --rebuild) rebuild=1; shift ;;
    *) pass+=("$1"); shift ;;
  esac
done

# 1. wrk and nginx from Debian.
if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nginx-light wrk
fi

# 2. The fake provider: a Release JIT build (incremental, seconds when nothing changed).
dotnet build bench/upstream/Upstream.csproj -c Release -nologo -v quiet -clp:ErrorsOnly

# 3. The .NET floor proxy: native AOT like TokenRouter, published once (a few minutes), then
#    again only when its sources change.
floor=bench/floor/bin/publish/bench-floor
if [ ! -x "$floor" ] || [ -n "$(find bench/floor \( -name '*.cs' -o -name '*.csproj' \) -newer "$floor" | head -1)" ]; then
  echo "Publishing the .NET floor proxy (native AOT; a few minutes the first time)..." >&2
  dotnet publish bench/floor/Floor.csproj -c Release -r linux-x64 -o bench/floor/bin/publish -nologo -v quiet
fi

# 4. TokenRouter: the given binary, or dist/tokenrouter, published again when a source file
#    is newer than it (or with --rebuild).
if [ -z "$binary" ]; then
  binary="dist/tokenrouter"
  stale=0
  if [ ! -x "$binary" ] || ((rebuild)); then
    stale=1
  elif [ -n "$(git ls-files -- '*.cs' '*.csproj' 'wwwroot/*' ':!tests' ':!bench' | xargs -r find 2>/dev/null \
        -newer "$binary" -print -quit)" ]; then
    stale=1
  fi
  if ((stale)); then
    echo "Publishing dist/tokenrouter (native AOT; a minute or two)..." >&2
    if [ -x ./build.sh ]; then
      ./build.sh
    else
      dotnet publish TokenRouter.csproj -c Release -r linux-x64 -o dist/ -nologo -v quiet
    fi
  fi
fi

exec python3 bench/bench.py --binary "$binary" ${pass[@]+"${pass[@]}"}
