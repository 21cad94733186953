// placeholder, replaced by the bus plugin
