// Placeholder until the plugin's sources land; delete when adding them.
