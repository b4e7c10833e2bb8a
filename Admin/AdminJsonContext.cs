using System.Text.Json;
using System.Text.Json.Serialization;

namespace TokenRouter.Admin;

/// <summary>Every type the admin API and the API docs read or write, snake_case like OpenAI's API.</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(AdminError))]
[JsonSerializable(typeof(TeamView))]
[JsonSerializable(typeof(TeamWithToken))]
[JsonSerializable(typeof(TeamList))]
[JsonSerializable(typeof(ResetList))]
[JsonSerializable(typeof(CreateTeamRequest))]
[JsonSerializable(typeof(UpdateTeamRequest))]
[JsonSerializable(typeof(LoginRequest))]
[JsonSerializable(typeof(SessionView))]
[JsonSerializable(typeof(LogList))]
[JsonSerializable(typeof(UsageView))]
[JsonSerializable(typeof(SettingsView))]
[JsonSerializable(typeof(ChatCompletionRequest))]
[JsonSerializable(typeof(ChatCompletion))]
[JsonSerializable(typeof(ChatCompletionChunk))]
[JsonSerializable(typeof(CompletionRequest))]
[JsonSerializable(typeof(Completion))]
[JsonSerializable(typeof(EmbeddingRequest))]
[JsonSerializable(typeof(EmbeddingList))]
[JsonSerializable(typeof(ResponseRequest))]
[JsonSerializable(typeof(ResponseObject))]
[JsonSerializable(typeof(ModerationRequest))]
[JsonSerializable(typeof(ModerationResult))]
[JsonSerializable(typeof(ImageRequest))]
[JsonSerializable(typeof(ImagesResponse))]
[JsonSerializable(typeof(SpeechRequest))]
[JsonSerializable(typeof(Transcription))]
[JsonSerializable(typeof(OpenAiError))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
