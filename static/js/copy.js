// A "Copy" button next to a read-only field: copies the field's text, or selects it where copying is refused.
document.querySelectorAll("[data-copy]").forEach((button) => {
  button.addEventListener("click", () => {
    const field = document.getElementById(button.dataset.copy);
    field.select();
    const done = () => {
      button.textContent = button.dataset.copied;
    };
    if (navigator.clipboard) {
      navigator.clipboard.writeText(field.value).then(done, () => {});
    }
  });
});
