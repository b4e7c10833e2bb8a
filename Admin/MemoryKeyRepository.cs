using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace TokenRouter.Admin;

/// <summary>
/// Keeps the data-protection keys that seal the session and CSRF cookies in memory only. A
/// restart signs the admin out, and no key file lands in the service user's home directory.
/// </summary>
internal sealed class MemoryKeyRepository : IXmlRepository
{
    private readonly Lock _gate = new();
    private readonly List<XElement> _elements = [];

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        lock (_gate)
        {
            return [.. _elements.Select(e => new XElement(e))];
        }
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        lock (_gate)
        {
            _elements.Add(new XElement(element));
        }
    }
}
