using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.Routing.Template;

namespace TokenRouter.Admin;

/// <summary>
/// Answers admin API requests that no endpoint took: 405 with an Allow header when the path
/// exists for other methods, else 404. Both in OpenAI's error shape, never the panel's page.
/// </summary>
/// <remarks>
/// NOTE: routing's own 405 would need the catch-all gone, and then the unknown paths would
/// get an empty 404 instead of a JSON one; so the catch-all looks the path up itself.
/// </remarks>
internal sealed class AdminFallback(EndpointDataSource endpoints, IInlineConstraintResolver constraints)
{
    private readonly Lazy<IReadOnlyList<Route>> _routes = new(() => Collect(endpoints));

    public IResult Answer(HttpContext context)
    {
        var path = context.Request.Path;
        var allowed = new List<string>();
        foreach (var route in _routes.Value)
        {
            var values = new RouteValueDictionary();
            if (route.Matcher.TryMatch(path, values) && Satisfies(route.Pattern, values, context))
            {
                allowed.AddRange(route.Methods.Where(m => !allowed.Contains(m)));
            }
        }

        if (allowed.Count == 0)
        {
            return AdminErrors.UnknownEndpoint();
        }

        context.Response.Headers.Allow = string.Join(", ", allowed);
        return AdminErrors.MethodNotAllowed(context.Request.Method, allowed);
    }

    private static List<Route> Collect(EndpointDataSource endpoints) =>
    [
        .. endpoints.Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/admin/api/", StringComparison.OrdinalIgnoreCase) == true)
            .Select(e => (Endpoint: e, Methods: e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods))
            .Where(e => e.Methods is { Count: > 0 })
            .Select(e => new Route(
                e.Endpoint.RoutePattern,
                new TemplateMatcher(new RouteTemplate(e.Endpoint.RoutePattern), new RouteValueDictionary()),
                e.Methods!)),
    ];

    /// <summary>The route's constraints ({id:long}) hold, as they would have for the right method.</summary>
    private bool Satisfies(RoutePattern pattern, RouteValueDictionary values, HttpContext context)
    {
        foreach (var (name, policies) in pattern.ParameterPolicies)
        {
            foreach (var policy in policies)
            {
                var constraint = policy.ParameterPolicy as IRouteConstraint
                    ?? (policy.Content is null ? null : constraints.ResolveConstraint(policy.Content));
                if (constraint is not null && !constraint.Match(context, null, name, values, RouteDirection.IncomingRequest))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private sealed record Route(RoutePattern Pattern, TemplateMatcher Matcher, IReadOnlyList<string> Methods);
}
