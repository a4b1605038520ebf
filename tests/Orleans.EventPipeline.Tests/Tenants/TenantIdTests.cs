using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Tests.Tenants;

public sealed class TenantIdTests
{
    [Theory]
    [InlineData("a", true)]
    [InlineData("acme-1", true)]
    [InlineData("t\n", false)]
    [InlineData("t\r\n", false)]
    [InlineData("-acme", false)]
    [InlineData("Acme", false)]
    [InlineData("", false)]
    public void IsValid_WholeValueOnly(string value, bool valid) => Assert.Equal(valid, TenantId.IsValid(value));

    [Fact]
    public void IsValid_SixtyThreeCharactersAtMost()
    {
        Assert.True(TenantId.IsValid(new string('a', 63)));
        Assert.False(TenantId.IsValid(new string('a', 64)));
        Assert.False(TenantId.IsValid(new string('a', 63) + "\n"));
    }
}
