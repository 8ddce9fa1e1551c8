export interface Notice {
  id: number;
  message: string;
  /** 'info' says something went as asked (it goes away on its own); errors stay until dismissed. */
  level?: 'info' | 'error';
}

/** Errors (and a few confirmations) in plain words, each with a way to dismiss it. */
export function Notices({ notices, onDismiss }: { notices: Notice[]; onDismiss(id: number): void }) {
  if (notices.length === 0) return null;
  return (
    <div className="notices">
      {notices.map((notice) => (
        <div
          key={notice.id}
          className={`notice ${notice.level === 'info' ? 'notice-info' : 'notice-error'} notice-toast`}
          role={notice.level === 'info' ? 'status' : 'alert'}
        >
          <span>{notice.message}</span>
          <button type="button" className="button button-small button-quiet" aria-label="Dismiss" onClick={() => onDismiss(notice.id)}>
            ✕
          </button>
        </div>
      ))}
    </div>
  );
}
