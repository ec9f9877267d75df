"""A fake of the legacy Authy API with a simulated phone."""
