// placeholder, replaced by the storage plugin
