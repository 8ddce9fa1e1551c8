export interface Notice {
  id: number;
  message: string;
}

/** Errors in plain words, each with a way to dismiss it. */
export function Notices({ notices, onDismiss }: { notices: Notice[]; onDismiss(id: number): void }) {
  if (notices.length === 0) return null;
  return (
    <div className="notices">
      {notices.map((notice) => (
        <div key={notice.id} className="notice notice-error notice-toast" role="alert">
          <span>{notice.message}</span>
          <button type="button" className="button button-small button-quiet" aria-label="Dismiss" onClick={() => onDismiss(notice.id)}>
            ✕
          </button>
        </div>
      ))}
    </div>
  );
}
