/// The providers a runner knows, by name. An embedding program adds its own.
public struct ProviderRegistry: Sendable {
    private var providers: [String: any Provider] = [:]

    /// An empty registry.
    public init() {}

    /// The registry with droprun's built-in providers.
    public static var builtIn: ProviderRegistry {
        var registry = ProviderRegistry()
        for provider in [
            EchoProvider(), TemplateProvider(), TransformProvider(), LLMProvider(), ArtifactProvider(), FailProvider(), DelayProvider(),
            ApprovalProvider(), ExecProvider(), HTTPProvider(),
        ] as [any Provider] {
            registry.register(provider)
        }
        return registry
    }

    /// Adds a provider, replacing any of the same name.
    public mutating func register(_ provider: any Provider) { providers[provider.name] = provider }

    /// The provider named `name`.
    public func provider(named name: String) -> (any Provider)? { providers[name] }

    /// Every provider name, sorted.
    public var names: [String] { providers.keys.sorted() }

    /// Every provider, sorted by name.
    public var all: [any Provider] { names.compactMap { providers[$0] } }
}
