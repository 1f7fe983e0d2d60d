// What a person sees when a sign-in through an identity source cannot go on.
import { MessagePage } from '../ui/layout';

export function FederationErrorPage(props: { title: string; message: string; retry?: string }) {
  return (
    <MessagePage title={props.title}>
      <p>{props.message}</p>
      <p>
        <a class="button" href={props.retry ?? '/login'}>
          {props.retry ? 'Try again' : 'Go to the sign-in page'}
        </a>
      </p>
    </MessagePage>
  );
}
