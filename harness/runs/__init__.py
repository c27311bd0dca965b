"""Evaluation runs: configuration, run directories, resumable records and the pipeline."""
