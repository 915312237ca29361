"""Training the learned components' models (``kg train``): data readers, features, fitting, held-out scores."""
