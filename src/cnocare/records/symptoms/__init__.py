"""Symptoms as reported or examined (bone pain, swelling, fever...), present or absent."""
