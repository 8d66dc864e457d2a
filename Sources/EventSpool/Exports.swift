// One `import EventSpool` gives a service everything it needs: the layers below re-exported.
@_exported public import EventSpoolModel
@_exported public import EventSpoolPolicy
@_exported public import EventSpoolS3
@_exported public import EventSpoolStorage
@_exported public import EventSpoolWebhook
