"""Forms for core's own pages; every parameter a page reads is parsed here, never by hand."""

from django import forms
from django.contrib.contenttypes.models import ContentType

from .audit import AuditedModel
from .models import AuditLogEntry


def audited_content_types():
    """Every audited model of the platform, plus users (log-ins), for the audit page's type filter."""
    from django.apps import apps

    models = [m for m in apps.get_models() if issubclass(m, AuditedModel)]
    types = ContentType.objects.get_for_models(*models)
    return sorted(types.values(), key=lambda t: (t.app_label, t.model))


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label="操作", required=False)
    object_type = forms.ChoiceField(label="对象类型", required=False)
    actor = forms.CharField(label="操作人", required=False, max_length=150)
    operation = forms.CharField(label="业务操作", required=False, max_length=100)
    q = forms.CharField(label="对象", required=False, max_length=200)
    source_ip = forms.GenericIPAddressField(label="来源地址", required=False)
    since = forms.DateField(label="起", required=False)
    until = forms.DateField(label="止", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "—"), *AuditLogEntry.ACTIONS]
        self.fields["object_type"].choices = [("", "—")] + [
            (f"{t.app_label}.{t.model}", f"{t.name}") for t in audited_content_types()]

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", "结束日期早于开始日期 / the end date is before the start date")
        return data

    def filter(self, entries):
        if not self.is_valid():
            return entries.none()
        d = self.cleaned_data
        if d["action"]:
            entries = entries.filter(action=d["action"])
        if d["object_type"]:
            app_label, model = d["object_type"].split(".", 1)
            entries = entries.filter(content_type__app_label=app_label, content_type__model=model)
        if d["actor"]:
            entries = entries.filter(actor_name__icontains=d["actor"])
        if d["operation"]:
            entries = entries.filter(operation__icontains=d["operation"])
        if d["q"]:
            entries = entries.filter(object_repr__icontains=d["q"])
        if d["source_ip"]:
            entries = entries.filter(source_ip=d["source_ip"])
        if d["since"]:
            entries = entries.filter(timestamp__date__gte=d["since"])
        if d["until"]:
            entries = entries.filter(timestamp__date__lte=d["until"])
        return entries
