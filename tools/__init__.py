"""The repository's own tooling: docs embedding, the test runner, the demo, the stage history."""
