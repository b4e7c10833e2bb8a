#!/usr/bin/env bash
# Builds TokenRouter as one native executable: dist/tokenrouter.
#
#   ./build.sh [RID]     RID defaults to linux-x64 (others: linux-arm64, linux-musl-x64, osx-arm64 ...)
#
# Needs the .NET 10 SDK and, for the native (AOT) link step, a C toolchain (clang or gcc with
# the C library headers) and objcopy. When one is missing the script prints the apt-get line
# that installs it, or runs it itself when started as root on a Debian/Ubuntu system.
# SQLite needs no system package: the SQLitePCLRaw package ships a static libe_sqlite3.a per
# Linux RID and the project links it into the executable.
set -euo pipefail

rid="${1:-linux-x64}"
optional=()
cd "$(dirname "$0")"

fail() { echo "build.sh: $*" >&2; exit 1; }

host_os() {
  case "$(uname -s)" in
    Linux) echo linux ;;
    Darwin) echo osx ;;
    *) echo other ;;
  esac
}

# Native AOT compiles for the operating system it runs on (only the CPU may differ).
case "$rid" in
  linux-*) target_os=linux ;;
  osx-*) target_os=osx ;;
  win-*) fail "build $rid on Windows with build.ps1: native AOT cannot cross-compile between operating systems." ;;
  *) fail "unknown RID '$rid'; use e.g. linux-x64, linux-arm64, linux-musl-x64 or osx-arm64." ;;
esac
[ "$target_os" = "$(host_os)" ] || fail "cannot build $rid on $(uname -s): native AOT builds for the OS it runs on."

# 1. The .NET 10 SDK.
command -v dotnet >/dev/null 2>&1 \
  || fail "the .NET 10 SDK is missing: see https://dotnet.microsoft.com/download (or apt-get install dotnet-sdk-10.0)."
dotnet --list-sdks | grep -q '^10\.' \
  || fail "the .NET 10 SDK is missing (found: $(dotnet --list-sdks | cut -d' ' -f1 | tr '\n' ' ')); install dotnet-sdk-10.0."

# 2. The native toolchain (Linux): a C compiler that can link a program, and objcopy to strip symbols.
if [ "$target_os" = linux ]; then
  missing=()
  cc=""
  for candidate in clang gcc; do
    if command -v "$candidate" >/dev/null 2>&1; then cc="$candidate"; break; fi
  done
  probe="$(mktemp -d)"
  trap 'rm -rf "$probe"' EXIT
  if [ -z "$cc" ]; then
    missing+=(clang)
  elif ! printf 'int main(void) { return 0; }\n' | "$cc" -x c - -o "$probe/a.out" >/dev/null 2>&1; then
    missing+=(libc6-dev)
  fi
  command -v objcopy >/dev/null 2>&1 || command -v llvm-objcopy >/dev/null 2>&1 || missing+=(binutils)
  # .NET 10 links its own static zlib; the headers are on Microsoft's prerequisite list for
  # older SDKs and other RIDs, so they come along whenever something else is installed.
  [ -f /usr/include/zlib.h ] || optional=(zlib1g-dev)

  if [ "${#missing[@]}" -gt 0 ]; then
    packages="${missing[*]}${optional[*]:+ ${optional[*]}}"
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "build.sh: installing the native toolchain: $packages"
      apt-get update -qq
      # shellcheck disable=SC2086  # the package list is meant to split
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages
    else
      fail "native AOT needs a C toolchain; install it with: sudo apt-get install -y $packages"
    fi
  fi
fi

# 3. Publish, then keep only the executable.
rm -rf dist
echo "build.sh: publishing $rid (native AOT; this takes a few minutes)..."
log="$(mktemp)"
if ! dotnet publish TokenRouter.csproj -c Release -r "$rid" -o dist/ -nologo 2>&1 | tee "$log"; then
  fail "the publish step failed (see above)."
fi
# Trim and AOT warnings are errors in the project, with one exception: Dapper's own
# reflection paths, which Dapper.AOT's generated code never reaches, are reported as one
# rolled-up warning per assembly. Any other warning still fails the build here.
unexpected="$(grep -E 'warning (IL|CS)[0-9]+' "$log" | grep -vE "IL(2104|3053): Assembly 'Dapper' produced" || true)"
rm -f "$log"
[ -z "$unexpected" ] || fail "the build produced warnings:
$unexpected"
find dist -mindepth 1 \( -name '*.dbg' -o -name '*.pdb' -o -name '*.dSYM' -o -name '*.staticwebassets*' \) \
  -prune -exec rm -rf {} +

[ -x dist/tokenrouter ] || fail "the publish step did not produce dist/tokenrouter."
extras="$(find dist -mindepth 1 ! -name tokenrouter)"
if [ -n "$extras" ]; then
  if [ "$target_os" = linux ]; then
    fail "dist/ should hold only tokenrouter, but also has: $(echo "$extras" | tr '\n' ' ')"
  fi
  echo "build.sh: note: $rid has no static SQLite, so these files must stay beside the executable: $extras"
fi

size="$(du -h dist/tokenrouter | cut -f1)"
echo "build.sh: dist/tokenrouter is $size."

# 4. A Linux build must need nothing but the C library's own shared libraries.
if [ "$target_os" = linux ] && [ "$rid" = "linux-$(uname -m | sed 's/x86_64/x64/;s/aarch64/arm64/')" ]; then
  libc_own='^(linux-vdso|linux-gate|ld-linux[^ ]*|libc|libm|libdl|libpthread|librt|libresolv|libutil)\.so'
  others="$(ldd dist/tokenrouter | awk '{print $1}' | sed 's#.*/##' | grep -Ev "$libc_own" || true)"
  if [ -n "$others" ]; then
    ldd dist/tokenrouter >&2
    fail "dist/tokenrouter needs shared libraries beyond the C library: $others"
  fi
  echo "build.sh: ldd: only the C library's own libraries are needed."
fi

echo "build.sh: done. Run ./dist/tokenrouter --help"
