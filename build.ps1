<#
.SYNOPSIS
    Builds TokenRouter as a native Windows executable: dist\tokenrouter.exe.

.DESCRIPTION
    Needs the .NET 10 SDK and, for the native (AOT) link step, the Visual Studio C++ build
    tools ("Desktop development with C++"). The SQLitePCLRaw package ships no static SQLite
    library for Windows, so e_sqlite3.dll is published beside tokenrouter.exe: keep the two
    files together. (On Linux, build.sh links SQLite into a single file.)

.PARAMETER Rid
    The runtime identifier: win-x64 (default) or win-arm64.

.EXAMPLE
    ./build.ps1
    ./build.ps1 win-arm64
#>
param([string]$Rid = "win-x64")

$ErrorActionPreference = "Stop"
Set-Location $PSScriptRoot

function Fail([string]$Message) {
    [Console]::Error.WriteLine("build.ps1: $Message")
    exit 1
}

# Native AOT compiles for the operating system it runs on (only the CPU may differ).
if (-not $Rid.StartsWith("win-")) {
    Fail "build $Rid with build.sh on that system: native AOT cannot cross-compile between operating systems."
}
if (-not $IsWindows -and $PSVersionTable.PSEdition -eq "Core") {
    Fail "build.ps1 builds Windows executables and must run on Windows; use build.sh elsewhere."
}

# 1. The .NET 10 SDK.
if (-not (Get-Command dotnet -ErrorAction SilentlyContinue)) {
    Fail "the .NET 10 SDK is missing: winget install Microsoft.DotNet.SDK.10"
}
if (-not (& dotnet --list-sdks | Where-Object { $_ -match '^10\.' })) {
    Fail "the .NET 10 SDK is missing (found: $((& dotnet --list-sdks) -join ', ')): winget install Microsoft.DotNet.SDK.10"
}

# 2. The C++ build tools that native AOT links with.
$component = "Microsoft.VisualStudio.Component.VC.Tools.x86.x64"
if ($Rid -eq "win-arm64") { $component = "Microsoft.VisualStudio.Component.VC.Tools.ARM64" }
$vswhere = Join-Path ${env:ProgramFiles(x86)} "Microsoft Visual Studio\Installer\vswhere.exe"
$vcTools = if (Test-Path $vswhere) { & $vswhere -latest -products * -requires $component -property installationPath }
if (-not $vcTools) {
    Fail ("native AOT needs the Visual Studio C++ build tools ($component). Install them with: " +
        "winget install Microsoft.VisualStudio.2022.BuildTools --override " +
        "`"--add Microsoft.VisualStudio.Workload.VCTools --add $component --includeRecommended --passive`"")
}

# 3. Publish, then keep only what must ship.
if (Test-Path dist) { Remove-Item dist -Recurse -Force }
Write-Host "build.ps1: publishing $Rid (native AOT; this takes a few minutes)..."
& dotnet publish TokenRouter.csproj -c Release -r $Rid -o dist/ -nologo
if ($LASTEXITCODE -ne 0) { Fail "dotnet publish failed (exit $LASTEXITCODE)." }
Get-ChildItem dist -Recurse | Where-Object { $_.Name -like "*.pdb" -or $_.Name -like "*.staticwebassets*" } |
    Remove-Item -Recurse -Force

$exe = Join-Path dist "tokenrouter.exe"
if (-not (Test-Path $exe)) { Fail "the publish step did not produce $exe." }
$unexpected = Get-ChildItem dist | Where-Object { $_.Name -notin @("tokenrouter.exe", "e_sqlite3.dll") }
if ($unexpected) { Fail "dist\ should hold only tokenrouter.exe and e_sqlite3.dll, but also has: $($unexpected.Name -join ', ')" }
if (-not (Test-Path (Join-Path dist "e_sqlite3.dll"))) {
    Fail "e_sqlite3.dll is missing from dist\; tokenrouter.exe cannot open its database without it."
}

foreach ($file in Get-ChildItem dist -File) {
    Write-Host ("build.ps1: dist\{0} is {1:N1} MB." -f $file.Name, ($file.Length / 1MB))
}
Write-Host "build.ps1: note: Windows has no static SQLite in the package, so e_sqlite3.dll ships beside tokenrouter.exe; copy both."
Write-Host "build.ps1: done. Run .\dist\tokenrouter.exe --help"
