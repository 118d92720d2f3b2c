/** A page whose content arrives with the next release: says so plainly and shows no invented data. */
export function ComingSoon({ title, summary }: { readonly title: string; readonly summary: string }) {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{title}</h1>
      <div className="card empty">
        <p className="badge">Coming with the next release</p>
        <p>{summary}</p>
      </div>
    </section>
  )
}
