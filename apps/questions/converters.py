class PublicIdConverter:
    """Question ids as students see and cite them: VQ-000123."""

    regex = r"VQ-\d{6,12}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
