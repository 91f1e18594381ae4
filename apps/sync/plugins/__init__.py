"""Built-in plugins. Importing this package registers them with the pipeline."""
