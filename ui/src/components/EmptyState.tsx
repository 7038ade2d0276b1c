import type { ReactNode } from "react";

interface EmptyStateProps {
  icon: ReactNode;
  title: string;
  children: ReactNode;
  action?: ReactNode;
  /** Small print under the text: what is coming, in bullet form. */
  features?: string[];
}

export function EmptyState({ icon, title, children, action, features }: EmptyStateProps) {
  return (
    <div className="empty-state" data-testid="empty-state">
      <div className="empty-icon">{icon}</div>
      <h2 className="empty-title">{title}</h2>
      <p className="empty-text">{children}</p>
      {features && (
        <ul className="empty-features">
          {features.map((f) => (
            <li key={f}>{f}</li>
          ))}
        </ul>
      )}
      {action && <div className="empty-action">{action}</div>}
    </div>
  );
}
