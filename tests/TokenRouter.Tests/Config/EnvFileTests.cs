using System.Runtime.Versioning;
using TokenRouter.Config;

namespace TokenRouter.Tests.Config;

// File modes are asserted: these tests run where the server runs, on Unix.
[UnsupportedOSPlatform("windows")]
public sealed class EnvFileTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Load_EveryLineForm_ReadsKeysAndValues()
    {
        var path = _folder.Write(".env", """
            # a comment
              # an indented comment

            PLAIN=value
            SPACED = spaced value  
            export EXPORTED=yes
            DOUBLE="two words # not a comment"
            SINGLE='single # quoted'
            ESCAPES="line\nnext \"quoted\" back\\slash"
            INLINE=value # a comment
            HASH_INSIDE=pa#ss
            HASH_FIRST=#secret
            EMPTY=
            EMPTY_QUOTED=""
            TWICE=first
            TWICE=second
            """);

        var file = EnvFile.Load(path);

        Assert.True(file.Exists);
        Assert.Equal("value", file.Get("PLAIN"));
        Assert.Equal("spaced value", file.Get("SPACED"));
        Assert.Equal("yes", file.Get("EXPORTED"));
        Assert.Equal("two words # not a comment", file.Get("DOUBLE"));
        Assert.Equal("single # quoted", file.Get("SINGLE"));
        Assert.Equal("line\nnext \"quoted\" back\\slash", file.Get("ESCAPES"));
        Assert.Equal("value", file.Get("INLINE"));
        Assert.Equal("pa#ss", file.Get("HASH_INSIDE"));
        Assert.Equal("#secret", file.Get("HASH_FIRST"));
        Assert.Equal("", file.Get("EMPTY"));
        Assert.Equal("", file.Get("EMPTY_QUOTED"));
        Assert.Equal("second", file.Get("TWICE"));
        Assert.Null(file.Get("MISSING"));
    }

    [Fact]
    public void Load_SingleQuotes_KeepBackslashesLiterally()
    {
        var file = EnvFile.Load(_folder.Write(".env", "PATTERN='a\\nb'\n"));

        Assert.Equal("a\\nb", file.Get("PATTERN"));
    }

    [Fact]
    public void Load_MissingFile_IsEmptyAndNotExisting()
    {
        var file = EnvFile.Load(_folder.File("none.env"));

        Assert.False(file.Exists);
        Assert.Empty(file.Keys);
        Assert.Equal(_folder.File("none.env"), file.FullPath);
    }

    [Theory]
    [InlineData("JUST TEXT", "line 2: expected KEY=VALUE or a # comment")]
    [InlineData("1KEY=x", "line 2: '1KEY' is not a valid key")]
    [InlineData("BAD-KEY=x", "line 2: 'BAD-KEY' is not a valid key")]
    [InlineData("KEY=\"open", "line 2: the value of KEY opens a \" quote but never closes it")]
    [InlineData("KEY='open", "line 2: the value of KEY opens a ' quote but never closes it")]
    [InlineData("KEY=\"a\" b", "line 2: the value of KEY has text after its closing quote")]
    public void Load_MalformedLine_NamesFileAndLine(string line, string expected)
    {
        var path = _folder.Write(".env", $"OK=1\n{line}\n");

        var error = Assert.Throws<SettingsException>(() => EnvFile.Load(path));

        var problem = Assert.Single(error.Problems);
        Assert.StartsWith($"{path} {expected}", problem);
    }

    [Fact]
    public void Load_MalformedLineWithSecret_DoesNotEchoTheLine()
    {
        var path = _folder.Write(".env", "PROVIDER_API_KEY sk-secret-value\n");

        var error = Assert.Throws<SettingsException>(() => EnvFile.Load(path));

        Assert.DoesNotContain("sk-secret-value", error.Message);
    }

    [Fact]
    public void Set_ExistingAndNewKeys_PreservesEveryOtherLineExactly()
    {
        const string original = "# Provider\n\nexport PROVIDER_API_KEY=old # keep?\nPORT=8000\n  # indented note\nHOST=0.0.0.0";
        var path = _folder.Write(".env", original);
        var file = EnvFile.Load(path);

        file.Set("PROVIDER_API_KEY", "sk-new");
        file.Set("ADMIN_PASSWORD", "two words");
        file.Save();

        Assert.Equal(
            "# Provider\n\nexport PROVIDER_API_KEY=sk-new\nPORT=8000\n  # indented note\nHOST=0.0.0.0\nADMIN_PASSWORD=\"two words\"\n",
            File.ReadAllText(path));
        var reread = EnvFile.Load(path);
        Assert.Equal("sk-new", reread.Get("PROVIDER_API_KEY"));
        Assert.Equal("two words", reread.Get("ADMIN_PASSWORD"));
        Assert.Equal("8000", reread.Get("PORT"));
    }

    [Fact]
    public void Set_CrlfFile_KeepsCrlfLineEndings()
    {
        var path = _folder.Write(".env", "A=1\r\nB=2\r\n");
        var file = EnvFile.Load(path);

        file.Set("A", "10");
        file.Set("C", "3");
        file.Save();

        Assert.Equal("A=10\r\nB=2\r\nC=3\r\n", File.ReadAllText(path));
    }

    [Theory]
    [InlineData("plain-value_1.2/x:y")]
    [InlineData("with space")]
    [InlineData("quote\"and'apostrophe")]
    [InlineData("back\\slash")]
    [InlineData("hash #here")]
    [InlineData("#leading")]
    [InlineData("tab\tnew\nline")]
    [InlineData("")]
    public void Set_AnyValue_ReadsBackTheSame(string value)
    {
        var path = _folder.File(".env");
        var file = EnvFile.Load(path);

        file.Set("VALUE", value);
        file.Save();

        Assert.Equal(value, EnvFile.Load(path).Get("VALUE"));
    }

    [Fact]
    public void Save_NewFile_IsReadableByOwnerOnly()
    {
        var path = _folder.File(".env");
        var file = EnvFile.Load(path);

        file.Set("PROVIDER_API_KEY", "sk-x");
        file.Save();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.True(file.Exists);
        Assert.Null(file.PermissionWarning());
    }

    [Fact]
    public void Save_ExistingFile_KeepsItsMode()
    {
        var path = _folder.Write(".env", "A=1\n");
        const UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
        File.SetUnixFileMode(path, mode);
        var file = EnvFile.Load(path);

        file.Set("A", "2");
        file.Save();

        Assert.Equal(mode, File.GetUnixFileMode(path));
    }

    [Fact]
    public void PermissionWarning_WorldReadableFile_NamesPathModeAndFix()
    {
        var path = _folder.Write(".env", "A=1\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var warning = EnvFile.Load(path).PermissionWarning();

        Assert.Equal($"The env file {path} can be read by other users (mode 644) and holds secrets; run: chmod 600 {path}", warning);
    }

    [Fact]
    public void CheckPrivate_GroupReadableDatabase_Warns()
    {
        var path = _folder.Write("tokenrouter.db", "");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);

        var warning = FileSecrecy.CheckPrivate(path, "The database");

        Assert.StartsWith($"The database {path} can be read by other users (mode 640)", warning);
    }

    [Fact]
    public void CheckPrivate_OwnerOnlyOrMissingFile_DoesNotWarn()
    {
        var path = _folder.Write("tokenrouter.db", "");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        Assert.Null(FileSecrecy.CheckPrivate(path, "The database"));
        Assert.Null(FileSecrecy.CheckPrivate(_folder.File("missing.db"), "The database"));
    }
}
